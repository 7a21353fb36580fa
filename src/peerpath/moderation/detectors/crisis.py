"""Crisis: suicidal or self-harm intent, plans and "goodbye" posts (issue 6 points 8 and 9).

Recall matters most: a crisis post nobody sees is the worst hazard in the log (docs/hazard-log.md), while a false
alarm costs a moderator a minute. So first-person intent is read generously, and only talk that is clearly about
someone else, about the past, denied, or support for others ("if you are having thoughts of suicide, call 988") is
kept below the deciding confidence.
"""

from __future__ import annotations

import re

from peerpath.moderation.detectors._text import normalise, sentences
from peerpath.moderation.models import Category
from peerpath.moderation.screening import Context, Finding

_I = r"(?:i|i'm|im|i am|i've|ive|i have|i'll|ill|i will|i just|i really|i honestly)"

# Intent, plans and goodbyes, written in the first person (or with no subject, as people in distress often write).
_MEDS = (
    r"(?:pills|tablets|meds|insulin|paracetamol|tramadol|co-codamol|codeine|morphine|oxycodone|sleeping tablets|"
    r"amitriptyline|rope|blade|razor)"
)
_INTENT = re.compile(
    r"|".join(
        [
            r"\bkill(?:ing)? my ?self\b",
            r"\bend(?:ing)? (?:it all|my life|my own life|things|everything)\b",
            r"\b(?:want|wanna|going|ready|planning|plan|about|decided) to end it\b",
            r"\btake my (?:own )?life\b",
            r"\b(?:want|wanna|wanted|wanting|ready|going|deserve|wish(?:ing)?) (?:to )?(?:die|be dead)\b",
            r"\bwish (?:i|i'd) (?:was|were|had never been|hadn't been|had) (?:dead|born|never woken up)\b",
            r"\bi'?m suicidal\b|\bfeeling suicidal\b|\bfeel suicidal\b|\bsuicidal (?:again|tonight|today|thoughts)\b",
            r"\bsuicide (?:note|plan)\b",
            r"\b(?:can'?t|cannot|can not) (?:go on|carry on|keep going|keep living|live like this|cope any ?more)\b",
            r"\b(?:can'?t|cannot|can not) (?:take|do|cope with|handle|bear) (?:it|this|any of this)? ?any ?more\b",
            r"\bno (?:reason|point) (?:to|in) (?:live|living|go on|going on|carry on|carrying on|being here|be here|"
            r"staying|being alive)\b",
            r"\bdon'?t (?:want to|wanna) (?:be here|live|wake up|exist|be alive|go on) ?(?:any ?more|now)?\b",
            r"\b(?:not|never) (?:to )?wake up\b",
            r"\bbetter off (?:dead|without me|if i (?:was|were)n'?t here)\b",
            r"\beveryone would be better off\b",
            r"\b(?:won'?t|will not|not going to|not gonna) be (?:here|around) "
            r"(?:much longer|tomorrow|for long|by|at)\b",
            # Plans: the means ready, saved up or counted out.
            rf"\b{_MEDS}\b[^.!?\n]{{0,40}}\b(?:saved up|stockpiled|lined up|counted out|all of them)\b",
            rf"\b{_MEDS}\b[^.!?\n]{{0,40}}\bready\b(?!\s+(?:on|to|for|at|by|in|when|from))",
            rf"\b(?:sav(?:ed|ing) up|stockpil(?:ed|ing)|hoard(?:ed|ing)|counted out) [^.!?\n]{{0,25}}{_MEDS}\b",
            r"\b(?:bought|got|have|found|tied) (?:a|the) (?:rope|noose)\b|\bnoose\b",
            r"\btonight(?:'s| is) the night\b",
            r"\b(?:take|swallow|taking|swallowing) (?:them |it |the lot )?all (?:of )?(?:my|the|them|at once)\b",
            r"\b(?:swallow|swallowing|take|taking|overdose on) (?:them|the lot|everything) (?:all )?at once\b",
            r"\boverdos(?:e|ing)\b",
            # Goodbyes (but not "my last post before the operation").
            r"\bthis (?:is|will be) my (?:last|final) (?:post|message|time)\b(?!\s+(?:before|for (?:a while|now|"
            r"today|tonight|this week)|until|till|of the (?:day|week|year)))",
            r"\b(?:last|final) (?:post|message) (?:from me|here)\b",
            r"\bgoodbye (?:everyone|all|friends|to you all|forever)\b",
            r"\bthank you (?:all )?for everything\b[^.!?\n]{0,40}\b(?:goodbye|bye|last|won'?t)\b",
            r"\bsay(?:ing)? goodbye\b[^.!?\n]{0,30}\b(?:for good|forever|everyone|all)\b",
            # Self-harm.
            r"\b(?:hurt|cut|cutting|burn(?:ed|t)?|harm(?:ed|ing)?|hurting|punish(?:ed|ing)?) my ?self\b",
            r"\bself[- ]?harm(?:ed|ing)?\b",
            r"\b(?:cut|cutting|burning) (?:my )?(?:arms?|legs?|wrists?|skin)\b",
            r"\bjump(?:ing|ed)? (?:off|in front of|from)\b",
            r"\b(?:not|isn'?t|is not|no longer) worth (?:living|being alive|it any ?more)\b",
            r"\bdisappear (?:for good|forever)\b",
            r"\bgiv(?:e|ing) up on (?:life|living|everything|myself)\b",
            r"\b(?:scratch|scratched|scratching|hit|hitting|banged|banging|bit|biting)\b[^.!?\n]{0,30}"
            r"\b(?:bled|bleed|bleeding|bruised)\b",
            # Warning signs the Samaritans and the NHS list: hopelessness, feeling a burden, putting affairs in
            # order, giving things away, looking up means.
            r"\bwant (?:it all|everything|all of it|this|the pain) to (?:stop|end) (?:for good|forever|permanently)\b",
            r"\bwant (?:it all|everything|all of it) to (?:stop|end)\b",
            r"\b(?:nobody|no one|no-one)(?: would|'d)? (?:even )?(?:notice|care|miss me)\b[^.!?\n]{0,30}"
            r"\b(?:gone|here|died|dead)\b",
            rf"\bhow many\b[^.!?\n]{{0,30}}{_MEDS}[^.!?\n]{{0,20}}"
            r"\b(?:would it take|it would take|to take|to kill|to die)\b",
            r"\bwrit(?:e|ing|ten) (?:goodbye |farewell |my last )?(?:letters?|notes?) (?:to|for) (?:my|the|everyone)"
            r"(?: (?:kids|children|family|husband|wife|partner|mum|dad|son|daughter|parents|loved ones))?\b"
            r"(?! (?:mp|gp|council|consultant|doctor|employer|boss|school|dwp|bank))",
            r"\b(?:don'?t|can'?t|do not|cannot) see (?:a|any) (?:future|way out|point in (?:going on|living))\b",
            r"\bno future for me\b",
            r"\bgiv(?:e|ing|en) (?:away )?(?:my|all my) (?:things|stuff|belongings|possessions|pets?)(?: away)?\b",
            r"\b(?:won'?t|will not) be a (?:problem|burden|bother) (?:much longer|any ?more|for long|to anyone)\b",
            r"\b(?:i'?m|i am) (?:just )?a burden (?:to|on) (?:everyone|my family|them|you all)\b",
            r"\b(?:i'?m|i am) going to do it (?:tonight|tomorrow|today|this weekend|when|while)\b"
            r"|\bwhen [^.!?\n]{1,50} (?:i'?m|i am) going to do it\b",
            r"\b(?:i'?m|im|i am) (?:so )?done with (?:everything|it all|life|living)\b",
            r"\bstopped caring (?:what happens|about anything|if i live|whether i live)\b",
        ]
    ),
    re.IGNORECASE,
)

# Words that make a sentence about someone else, the past, a denial, or support for others.
_SUPPORT = re.compile(
    r"\bif (?:you|anyone|someone)(?:'re| are| is)? (?:ever )?(?:having|feeling|thinking|struggling|in crisis|feel)\b"
    r"|\b(?:call|ring|text|phone|contact)\s+(?:988|999|111|116 ?123|samaritans|shout|the samaritans|a crisis line)\b"
    r"|\bplease (?:reach out|talk to|tell) (?:someone|us|a moderator|your)\b"
    r"|\byou are not alone\b|\byou're not alone\b|\bsending (?:you )?(?:love|hugs)\b"
    r"|\b(?:are you|you're|you are) (?:ok|okay|safe|thinking of)\b"
    r"|\b(?:questions?|asked|ask|asking|talk(?:ed|ing)?|training|course|leaflet|screening|information) (?:me )?"
    r"(?:about|on|for) (?:suicide|suicidal|self[- ]?harm)",
    re.IGNORECASE,
)
_OTHER_PERSON = re.compile(
    r"\b(?:my|our|a|her|his) (?:friend|sister|brother|mum|mom|mother|dad|father|son|daughter|husband|wife|partner|"
    r"cousin|aunt|uncle|neighbou?r|colleague|nan|gran|grandad|niece|nephew|patient|client|member)\b"
    r"|\b(?:she|he|they) (?:said|told|wanted|was|were|tried|had|felt|thought)\b",
    re.IGNORECASE,
)
_NOT_NOW = re.compile(
    r"\b(?:used to|years ago|months ago|back in (?:\d{4}|my)|back then|in the past|when i was (?:younger|a teen|a "
    r"teenager|at school|at uni|first diagnosed)|no longer (?:feel|want|think|have)|not any ?more)\b"
    r"|\b(?:haven'?t|have not|hasn'?t) (?:self[- ]?harmed|harmed|hurt|cut|felt|had|wanted)\b"
    r"|\b(?:i'?m|i am|i was) not (?:suicidal|going to (?:do|hurt|harm|kill|act|try))\b"
    r"|\bwould never\b|\bnot (?:suicidal|in danger)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(rf"\b{_I}\b|\bmy ?self\b|\bme\b|\bmy\b", re.IGNORECASE)

HIGH, LOW = 0.9, 0.3


def _about_someone_else(sentence: str) -> bool:
    """The sentence names someone else and, once they are taken out, says nothing of the writer."""
    if _OTHER_PERSON.search(sentence) is None:
        return False
    return _FIRST_PERSON.search(_OTHER_PERSON.sub(" ", sentence)) is None


class CrisisDetector:
    name: str = "crisis"
    category: str = Category.CRISIS

    def detect(self, text: str, context: Context) -> list[Finding]:
        findings: list[Finding] = []
        for sentence in sentences(normalise(text)):
            match = _INTENT.search(sentence)
            if match is None:
                continue
            confidence = HIGH
            if sentence.lstrip().startswith(">"):
                confidence = LOW  # someone else's words, quoted
            elif _SUPPORT.search(sentence) or _NOT_NOW.search(sentence) or _about_someone_else(sentence):
                confidence = LOW
            findings.append(Finding(self.category, confidence, sentence[:200], self.name))
            if confidence == HIGH:
                break  # one certain finding is enough: the post is urgent
        return findings


DETECTOR = CrisisDetector()
