"""`peerpath moderation`: loading the curated misinformation list (moderation/data/misinformation.json), and the
screening's evaluation and retraining (issue 15 points 1 and 6; docs/moderation-evaluation.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.core.errors import DomainError
from peerpath.moderation.claims import DATA_FILE, FactCheckFileError, load_claims, load_fact_checks, read_fact_checks

DEFAULT_DATA = "var/screening-data"


class Command(BaseCommand):
    help = (
        "Moderation: load-claims [FILE]; load-fact-checks FILE… --source NAME; evaluate --dataset FILE…; "
        "retrain [--data DIR]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(
            dest="action", required=True, metavar="{load-claims,load-fact-checks,evaluate,retrain}"
        )
        load = commands.add_parser(
            "load-claims", help="Load the starting list of known false claims; claims already there are kept."
        )
        load.add_argument("file", nargs="?", default=str(DATA_FILE), help="A claims JSON file (the shipped list).")
        facts = commands.add_parser(
            "load-fact-checks",
            help="Add statements fact-checkers rated false or true; posts restating a false one are flagged.",
        )
        facts.add_argument(
            "file", nargs="+", help='JSONL: {"statement", "rating": "false"|"true"} or {"text", "label"} a line.'
        )
        facts.add_argument("--source", required=True, help="Who rated them (shown to moderators).")
        facts.add_argument("--source-url", default="", help="The list's https:// address.")
        evaluate = commands.add_parser(
            "evaluate", help="Screen labelled texts as the forum screens a new post; print precision and recall."
        )
        evaluate.add_argument(
            "--dataset",
            action="append",
            required=True,
            metavar="FILE",
            help="A JSONL file of {text, label}, or a directory of *.heldout.jsonl; repeatable.",
        )
        evaluate.add_argument("--json", action="store_true", help="Print JSON instead of tables.")
        evaluate.add_argument(
            "--rules-only", action="store_true", help="Switch the classifiers and the fact-check matching off."
        )
        evaluate.add_argument("--slowest", type=int, default=5, metavar="N", help="List the N slowest texts.")
        retrain = commands.add_parser(
            "retrain", help="Rebuild the classifiers from the public tuning data and moderators' examples."
        )
        retrain.add_argument(
            "--data",
            default=DEFAULT_DATA,
            metavar="DIR",
            help="The folder of NAME.tune.jsonl and NAME.heldout.jsonl (scripts/screening_data.py).",
        )
        retrain.add_argument(
            "--force-install",
            choices=["yes", "no"],
            default="no",
            help="yes: install even a model that is worse on the held-out files.",
        )
        retrain.add_argument(
            "--category",
            action="append",
            metavar="NAME",
            help="Retrain only this category (repeatable); default: every classified category.",
        )
        retrain.add_argument(
            "--into",
            metavar="DIR",
            help="Install here instead of SCREENING_MODELS_DIR/classifiers (screening/weights/ to ship them).",
        )
        retrain.add_argument("--no-examples", action="store_true", help="Leave moderators' examples out.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            self.evaluate(options)
        elif options["action"] == "retrain":
            self.retrain(options)
        elif options["action"] == "load-fact-checks":
            self.load_fact_checks(options)
        else:
            self.load_claims(options)

    def load_claims(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            report = load_claims(path)
        except (ValueError, KeyError, TypeError, DomainError) as error:
            raise CommandError(f"{path} could not be loaded ({error}); nothing was saved.") from None
        self.stdout.write(f"Loaded {report.created} claims; {report.existing} were already there.")
        for label in report.skipped:
            self.stderr.write(f"  skipped  {label}")

    def load_fact_checks(self, options: dict[str, Any]) -> None:
        rows = []
        for name in options["file"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{path}: no such file; nothing was saved.")
            try:
                rows.extend(read_fact_checks(path))
            except (FactCheckFileError, UnicodeDecodeError) as error:
                raise CommandError(f"{path}: {error}; nothing was saved.") from None
        self.stdout.write(f"Embedding {len(rows)} statements (about 10 ms each)…")
        try:
            report = load_fact_checks(rows, source=options["source"], source_url=options["source_url"])
        except DomainError as error:
            raise CommandError(f"{error.message} Nothing was saved.") from None
        self.stdout.write(f"Loaded {report.created} fact-checked statements; {report.existing} were already there.")

    def evaluate(self, options: dict[str, Any]) -> None:
        from peerpath.screening import classifiers, evaluation

        try:
            files = evaluation.dataset_files(Path(name) for name in options["dataset"])
            datasets = [(path, evaluation.read_dataset(path)) for path in files]
        except evaluation.DatasetError as error:
            raise CommandError(str(error)) from None
        context, decisions = forum_context()
        index = None if options["rules_only"] else fact_check_index()
        switched_off = dict.fromkeys(classifiers.CLASSIFIED) if options["rules_only"] else {}
        sections, everything = [], []
        with classifiers.using(switched_off):
            for path, items in datasets:
                outcomes = evaluation.screen_items(items, context, decisions, fact_checks=index)
                everything.extend(outcomes)
                sections.append(evaluation.report(path.name, outcomes, options["slowest"]))
            status = classifiers.status()
        if len(sections) > 1:
            sections.append(evaluation.report("all files", everything, options["slowest"]))
        if options["json"]:
            self.stdout.write(json.dumps({"rules_only": options["rules_only"], "classifiers": status,
                                          "fact_checks": len(index) if index is not None else 0,
                                          "datasets": sections}, indent=1, ensure_ascii=False))  # fmt: skip
            return
        self.stdout.write("Classifiers: " + ", ".join(f"{name} {state}" for name, state in status.items()))
        self.stdout.write(f"Fact-checked statements matched after publication: {len(index) if index else 0}")
        for section in sections:
            self.stdout.write("")
            self.stdout.write("\n".join(evaluation.render_report(section)))

    def retrain(self, options: dict[str, Any]) -> None:
        from peerpath.screening import classifiers, evaluation, retraining, training

        data = Path(options["data"])
        if not training.tune_files(data):
            raise CommandError(
                f"No tuning data in {data}/ (NAME.tune.jsonl files). Build the public sets with "
                "`.venv/bin/python scripts/screening_data.py` (docs/moderation-evaluation.md says where they come "
                "from), or point --data at the folder that holds them."
            )
        target = Path(options["into"]) if options["into"] else classifiers.models_dir()
        examples = [] if options["no_examples"] else moderators_examples()
        context, decisions = forum_context()
        try:
            outcome = retraining.retrain(
                data, target=target, context=context, decisions=decisions, examples=examples,
                categories=options["category"] or list(classifiers.CLASSIFIED),
                force=options["force_install"] == "yes", progress=self.stdout.write,
            )  # fmt: skip
        except evaluation.DatasetError as error:
            raise CommandError(str(error)) from None
        if outcome.refused and not outcome.installed:
            raise CommandError("Nothing installed: " + "; ".join(outcome.refused))


def forum_context() -> tuple[Any, dict[str, str]]:
    """What the forum screens a new post with in a space with default settings: the default decisions, the curated
    claims from the database (every claim applying, as in a space about all their conditions), no author."""
    from peerpath.moderation.selectors import claim_rules
    from peerpath.screening.categories import DEFAULT_DECISIONS
    from peerpath.screening.core import Context

    claims = claim_rules()
    conditions = frozenset(slug for claim in claims for slug in claim.condition_slugs)
    return Context(conditions=conditions, claims=claims), dict(DEFAULT_DECISIONS)


def fact_check_index() -> Any:
    from peerpath.moderation.selectors import fact_check_index as index

    return index()


def moderators_examples() -> list[tuple[str, str]]:
    """Every labelled example moderators' queue decisions left (moderation.LabelledExample), when that model exists."""
    from django.apps import apps

    try:
        model = apps.get_model("moderation", "LabelledExample")
    except LookupError:
        return []
    return [(str(text), str(label)) for text, label in model.objects.values_list("text", "label")]
