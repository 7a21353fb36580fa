"""Medical instructions: telling someone to start, stop or change a dose or a treatment (issue 6 point 8; the rule
"no medical advice: share experience, not instructions").

What counts is the addressee: "stop taking your metformin" and "you should come off beta blockers" are instructions;
"I stopped taking it after talking to my GP" is experience, and "ask your GP before changing anything" is the advice
the rule itself gives.
"""

from __future__ import annotations

import re

from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding
from peerpath.screening.detectors.text import sentence_list

_TREATMENT = (
    r"(?:meds|medication|medications|medicine|medicines|tablets?|pills?|dose|doses|dosage|insulin|metformin|"
    r"statins?|steroids?|prednisolone|pred|inhalers?|beta[- ]?blockers?|propranolol|ivabradine|midodrine|"
    r"fludrocortisone|antidepressants?|sertraline|citalopram|amitriptyline|pregabalin|gabapentin|duloxetine|"
    r"opioids?|morphine|tramadol|co-codamol|codeine|warfarin|apixaban|blood thinners?|levothyroxine|thyroxine|"
    r"methotrexate|biologics?|chemo|chemotherapy|treatment|injections?|jabs?|units|mg|ozempic|semaglutide|"
    r"gliclazide|lantus|novorapid|tresiba|diuretics?|furosemide|ramipril|lisinopril|amlodipine|salbutamol|"
    r"ventolin|oxygen|tacrolimus|immunosuppressants?|antibiotics?|painkillers?|paracetamol|ibuprofen|naproxen|"
    r"lithium|quetiapine|mirtazapine|hrt|pump|patches|spironolactone|creon|rifaximin|lactulose|"
    # What people take without a prescription, and the tablets by strength ("the 500s").
    r"melatonin|magnesium|cbd|cbd oil|vitamin [a-z]\d*|iron tablets|b12|zinc|ashwagandha|st john'?s wort|"
    r"sleeping (?:pills|tablets)|antihistamines?|piriton|nytol|sudafed|aspirin|diazepam|valium|zopiclone|"
    r"\d+s|\d+ ?mgs?)"
)
_CHANGE = (
    r"(?:stop|stopping|quit|ditch|chuck|bump|drop|skip|halve|double|triple|increase|decrease|reduce|lower|raise|"
    r"up|cut|cut down|"
    r"cut out|taper|wean (?:yourself )?off|come off|get off|go off|start|try|switch|swap|change|take|use|inject|"
    r"bin|throw away|forget|refuse|stop using|ignore)"
)
_NUMBER = r"(?:\d+|one|two|three|four|five|six|double|half|twice|extra)"

_INSTRUCTION = re.compile(
    r"|".join(
        [
            # "you should come off beta blockers", "you need to double your insulin"
            rf"\b(?:you|u) (?:should|must|need to|have to|ought to|could|can|want to|gotta|might want to) "
            rf"(?:be |just |really |definitely |totally |honestly |seriously )?(?:{_CHANGE}|taking|injecting|using)"
            rf"\b[^.!?\n]{{0,40}}\b{_TREATMENT}\b",
            # "stop taking your metformin", "double your insulin", "come off your meds"
            rf"\b{_CHANGE} (?:taking |using |injecting )?(?:your|ur|yr|the|those|them|all your)\b[^.!?\n]{{0,30}}"
            rf"\b{_TREATMENT}\b",
            # "take 3 of them", "take two tablets", "take 40mg"
            rf"(?:^|[,;:]\s*|\b(?:just|then|so|and|try to|always) )(?:take|have|inject|use) {_NUMBER} ?"
            rf"(?:of them|of those|of the \d+(?: ?mg)?s|tablets?|pills?|puffs?|units?|mg|doses?|extra|more|at once|"
            rf"a day)\b",
            # "you can just stop taking it", "just stop taking them"
            r"\b(?:just|you (?:should|can|could) (?:just )?) ?(?:stop|quit|come off) (?:taking|using|injecting) "
            r"(?:it|them|those)\b",
            # "don't take your statins", "never take the pred", "do not bother with insulin"
            rf"\b(?:don'?t|do not|never|no need to) (?:take|bother (?:taking|with)|use|inject|start|touch|listen to)\b"
            rf"[^.!?\n]{{0,25}}\b(?:{_TREATMENT}|your (?:doctor|gp|consultant|nurse|team))\b",
            # Sentence-initial imperatives: "Stop the statins.", "Just ditch the meds", "Up your dose"
            rf"^(?:just |honestly |seriously |definitely |so |and )?{_CHANGE} (?:taking |using )?\b[^.!?\n]{{0,30}}"
            rf"\b{_TREATMENT}\b",
            # "Stop injecting it", "Use cinnamon instead of insulin"
            r"^(?:just |so |and )?(?:stop|quit|come off) (?:taking|using|injecting) (?:it|them|those)\b",
            rf"\b(?:use|take|try|have) [^.!?\n]{{1,30}} instead of (?:your |the |ur )?{_TREATMENT}\b",
            r"\b(?:forget|ignore) (?:what|whatever) (?:your|the|ur) [\w ]{0,25}(?:says|said|tells you|told you)\b",
            rf"\b(?:you|u) (?:don'?t|do not) need (?:the |your |those |to take |to use |any )[^.!?\n]{{0,20}}"
            rf"\b{_TREATMENT}\b",
            rf"\b(?:throw|bin|flush) (?:your|ur|the|those) [^.!?\n]{{0,20}}{_TREATMENT}\b",
        ]
    ),
    re.IGNORECASE,
)
# What every match of _INSTRUCTION holds (a treatment, "your doctor", "take two", "stop taking it", "ignore what"),
# in one shorter pattern: a sentence without any is not searched with the eleven alternatives of _INSTRUCTION, which
# makes a long post several times quicker to read. Keep it in step with _INSTRUCTION: wider, never narrower.
_MAY_INSTRUCT = re.compile(
    rf"\b{_TREATMENT}\b|\byour (?:doctor|gp|consultant|nurse|team)\b|\b(?:take|have|inject|use) {_NUMBER}"
    r"|\b(?:taking|using|injecting) (?:it|them|those)\b|\b(?:forget|ignore) (?:what|whatever)\b"
    r"|\b(?:throw|bin|flush) (?:your|ur|the|those) ",
    re.IGNORECASE,
)
# Experience and the rule's own advice are not instructions.
_SAFE = re.compile(
    r"\b(?:ask|asking|check with|talk to|talking to|speak to|speak with|discuss (?:it )?with|see|call|ring) "
    r"(?:your|a|the|my|our) (?:gp|doctor|consultant|nurse|pharmacist|team|specialist|diabetes team|clinic)\b"
    r"|\b(?:without|before|until) (?:talking|speaking|checking|asking|you (?:talk|speak|check|ask)|"
    r"your (?:gp|doctor))\b"
    r"|\bmy (?:gp|doctor|consultant|nurse|pharmacist|team|specialist|diabetes nurse) "
    r"(?:told|said|asked|suggested|advised|wanted|had) (?:me|us)\b"
    r"|\bnever stop (?:taking )?[^.!?\n]{0,20}\b(?:suddenly|without)\b"
    r"|^(?:what|when|how|which|where|why|do|does|did|has|have|is|are|anyone)\b[^.!]*\?$"
    r"|\b(?:with|on|under) (?:my|the|our) (?:gp|doctor|consultant|nurse|pharmacist|team|specialist)'?s? "
    r"(?:help|advice|support|blessing|ok|okay|guidance)\b"
    r"|\b(?:with|on|under) (?:my|the|our) (?:gp|doctor|consultant|nurse|pharmacist|team|specialist)\b",
    re.IGNORECASE,
)
# The writer's own change of dose, told as experience ("I doubled my insulin", "I just stopped taking them"):
# not an instruction, but others copy it, so it is flagged for a fact note when no clinician is in the sentence.
_SELF_CHANGE = re.compile(
    rf"\bi(?:'ve| have)? (?:just |simply |then )?(?:doubled|tripled|halved|upped|bumped up|increased|stopped|quit|"
    rf"ditched|came off|come off|skip|skipped|take|took|started|switched)\b(?: taking| using)?[^.!?\n]{{0,25}}"
    rf"\b(?:{_TREATMENT}|double|extra|two|three|it|them)\b(?! (?:ago|years?|months?|weeks?|days?)\b)",
    re.IGNORECASE,
)
_SELF_CHANGE_VERB = re.compile(
    r"\b(?:doubled|tripled|halved|upped|bumped up|stopped|quit|ditched|came off|"
    r"take (?:double|extra|two|three)|took (?:double|extra|two|three))\b",
    re.IGNORECASE,
)
_FIRST_PERSON_START = re.compile(r"^(?:i|i've|i'm|i'd|we|we've|my|mine)\b", re.IGNORECASE)
# The clause before the match has its own subject: "I had to stop the statins", "my GP wants me to double it".
_OTHER_SUBJECT = re.compile(
    r"\b(?:i|i've|i'd|i'll|i'm|we|we've|she|he|they|my \w+|his \w+|her \w+|someone|people|doctors|docs)\b"
    r"[^,;:]*$",
    re.IGNORECASE,
)
_YOU = re.compile(r"\b(?:you|u|your|ur)\b", re.IGNORECASE)

HIGH, SELF, LOW = 0.85, 0.6, 0.3


class MedicalInstructionsDetector:
    name: str = "medical_instructions"
    category: str = Category.MEDICAL_INSTRUCTIONS

    def detect(self, text: str, context: Context) -> list[Finding]:
        findings: list[Finding] = []
        for sentence in sentence_list(text):
            if sentence.lstrip().startswith(">"):
                continue  # quoting someone is not telling anyone anything
            match = _INSTRUCTION.search(sentence) if _MAY_INSTRUCT.search(sentence) else None
            if match is None:
                own_change = _SELF_CHANGE.search(sentence)
                if (
                    own_change is not None
                    and _SELF_CHANGE_VERB.search(own_change.group())
                    and not _SAFE.search(sentence)
                ):
                    findings.append(Finding(self.category, SELF, own_change.group()[:200], self.name))
                continue
            evidence = match.group().strip(" ,;:")
            safe = _SAFE.search(sentence) is not None
            before = sentence[: match.start()]
            own = _FIRST_PERSON_START.match(evidence) is not None or (
                _OTHER_SUBJECT.search(before) is not None and _YOU.search(before) is None
            )
            confidence = LOW if safe or own else HIGH
            findings.append(Finding(self.category, confidence, evidence[:200], self.name))
            if confidence == HIGH:
                break
        return findings


DETECTOR = MedicalInstructionsDetector()
