"""Product promotion and spam: shop links, prices, discount codes, "DM me", affiliate-looking links, "buy", repeated
links (issue 6 point 8; the rule "no product promotion or sales").

Each signal adds weight; one weak signal alone (a price, one ordinary link) is not promotion: people mention what a
prescription costs and link a charity's leaflet. Two signals, or one strong one (a discount code, an affiliate link,
"DM me"), are.
"""

from __future__ import annotations

import re

from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding
from peerpath.screening.detectors.text import normalise

_URL = re.compile(r"\bhttps?://[^\s<>()\[\]]+|\bwww\.[^\s<>()\[\]]+", re.IGNORECASE)
_TRUSTED_HOSTS = re.compile(
    r"(?:^|\.)(?:nhs\.uk|nice\.org\.uk|gov\.uk|gov|who\.int|cdc\.gov|nih\.gov|ac\.uk|edu|"
    r"diabetes\.org\.uk|diabetes\.org|asthmaandlung\.org\.uk|blf\.org\.uk|britishlivertrust\.org\.uk|"
    r"potsuk\.org|dysautonomiainternational\.org|fmauk\.org|versusarthritis\.org|mind\.org\.uk|"
    r"samaritans\.org|macmillan\.org\.uk|bhf\.org\.uk|stroke\.org\.uk|kidneycareuk\.org|kidney\.org\.uk|"
    r"mssociety\.org\.uk|parkinsons\.org\.uk|alzheimers\.org\.uk|epilepsy\.org\.uk|cancerresearchuk\.org|"
    r"longcovid\.org|meassociation\.org\.uk|actionforme\.org\.uk|wikipedia\.org|bmj\.com|thelancet\.com|"
    r"cochrane\.org|patient\.info|nationalpsoriasisfoundation|rnib\.org\.uk|carersuk\.org|ageuk\.org\.uk)$",
    re.IGNORECASE,
)
_SHOP_URL = re.compile(
    r"amzn\.to|amazon\.[a-z.]+/.*(?:tag=|/dp/)|[?&](?:ref|aff|affiliate|tag|utm_source|coupon|discount|promo)=|"
    r"/(?:shop|store|product|products|buy|cart|checkout|affiliate|aff|go|deal|offer)s?\b|"
    r"(?:shop|store|deals?|buy|sale|offers?)[.-]|bit\.ly|tinyurl\.com|linktr\.ee|etsy\.com|ebay\.|"
    r"\.shop\b|\.store\b|\.biz\b",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(?:discount|promo|coupon|voucher|referral|affiliate) ?(?:code|link)s?\b"
    r"|\buse (?:my )?code\b|\bcode (?-i:[A-Z0-9]{4,})\b|\b\d{1,2} ?% off\b|\bfree shipping\b|\bfree delivery\b"
    r"|\b(?:dm|pm|inbox|whatsapp) me\b(?! (?:on|at|if|when|any ?time|whenever))"
    r"|\b(?:message|msg|text|email|e-mail) me (?:for|to (?:order|buy|get))\b"
    r"|\bcomment (?-i:[A-Z]{3,}) (?:below|for)\b|\bi'?ll send you (?:the )?(?:details|info|link|prices)\b"
    r"|\bintroductory (?:offer|rate|price|discount)\b|\bbook (?:now|today)\b"
    r"|\b(?:drop|send) me a (?:dm|pm|message)\b|\blink in (?:my )?bio\b"
    r"|\b(?:buy|order|shop) (?:now|today|here|online|direct)\b|\blimited (?:time|stock|offer)\b"
    r"|\b(?:i|we) (?:sell|stock|supply|ship|distribute)\b"
    r"|\bi'?m (?:a|an) (?:distributor|rep|ambassador|consultant) for\b"
    r"|\b(?:my|our) (?:shop|store|business|website|online shop|small business|company)\b[^.!?\n]{0,40}"
    r"\b(?:sells?|stocks?|offers?|has|ships?|link|order|buy)\b"
    r"|\bearn (?:£|\$|€)?\d+|\bwork from home opportunity\b|\bmake money\b|\bcrypto\b|\bbitcoin\b",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"(?:£|\$|€|usd|gbp)\s?\d+(?:[.,]\d{2})?|\b\d+(?:\.\d{2})? ?(?:pounds|quid|dollars)\b", re.IGNORECASE
)
_SALE_WORDS = re.compile(
    r"\b(?:buy|buying|order|purchase|for sale|selling|sell|only|just|per (?:bottle|pack|box|month|tub|jar)|"
    r"a (?:bottle|pack|box|tub|jar)|deal|offer|bargain|cheap|cheaper|price|rrp|shipping|delivery|stock|"
    r"supplement|capsules|gummies|oil|tea|powder|kit)\b",
    re.IGNORECASE,
)
_SELLING = re.compile(
    r"\b(?:selling|for sale|i sell|we sell|buy (?:now|here|today|from (?:me|us|my|our))|order (?:now|here|today|"
    r"yours|from (?:me|us))|get yours|only (?:£|\$|€))",
    re.IGNORECASE,
)


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0].lower().removeprefix("www.")


class PromotionDetector:
    name: str = "promotion"
    category: str = Category.PROMOTION

    def detect(self, text: str, context: Context) -> list[Finding]:
        text = normalise(text)
        score = 0.0
        evidence: list[str] = []
        strong = _STRONG.search(text)
        if strong is not None:
            score += 0.8
            evidence.append(strong.group())
        urls = _URL.findall(text)
        untrusted = [url for url in urls if not _TRUSTED_HOSTS.search(_host(url))]
        shop = [url for url in untrusted if _SHOP_URL.search(url)]
        if shop:
            score += 0.8
            evidence.append(shop[0])
        elif untrusted:
            score += 0.3
            evidence.append(untrusted[0])
        if len(urls) >= 3 or len(untrusted) > len(set(untrusted)):
            score += 0.4  # repeated links
            evidence.append(f"{len(urls)} links")
        price = _PRICE.search(text)
        if price is not None:
            score += 0.3 if _SALE_WORDS.search(text) and (untrusted or strong) else 0.2
            evidence.append(price.group())
            if _SELLING.search(text):
                score += 0.4
        if score < 0.2:
            return []
        return [Finding(self.category, min(score, 0.95), "; ".join(evidence)[:200], self.name)]


DETECTOR = PromotionDetector()
