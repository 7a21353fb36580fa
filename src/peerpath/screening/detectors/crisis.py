"""Crisis: suicidal or self-harm intent, plans and "goodbye" posts (issue 6 points 8 and 9).

Recall matters most: a crisis post nobody sees is the worst hazard in the log (docs/hazard-log.md), while a false
alarm costs a moderator a minute. So first-person intent is read generously, and only talk that is clearly about
someone else, about the past, denied, or support for others ("if you are having thoughts of suicide, call 988") is
kept below the deciding confidence.

Each sentence is matched in its contracted form (_text.contracted: lower case, "do not" and "dont" read "don't",
"i am" reads "i'm", "cannot" reads "can't", "any more" reads "anymore"), so the patterns below are written for the
contracted forms only; the finding quotes the sentence as the writer wrote it.
"""

from __future__ import annotations

import re

from peerpath.screening import classifiers
from peerpath.screening.categories import Category
from peerpath.screening.core import Context, Finding
from peerpath.screening.detectors.text import contracted_sentences

_I = r"(?:i|i'm|i've|i have|i'll|i will|i'd|i just|i really|i honestly)"

_MEDS = (
    r"(?:pills|tablets|meds|medication|insulin|paracetamol|tylenol|acetaminophen|tramadol|co-codamol|codeine|"
    r"morphine|oramorph|oxycodone|fentanyl|gabapentin|pregabalin|diazepam|zopiclone|sleeping (?:tablets|pills)|"
    r"painkillers|antidepressants|amitriptyline|rope|blade|blades|razor)"
)
_SUICIDE = r"(?:suicide|suicde|sucide|suiside)"
_SUICIDAL = r"(?:suicidal|sucidal|suicidle)"
# What people think about, plan or research when they are in crisis ("thinking about suicide", "planning my
# suicide", "considering ending it", "thinking about jumping").
_ACTS = (
    rf"(?:{_SUICIDE}|{_SUICIDAL} thoughts|killing myself|kill myself|ending (?:it|it all|my life|my own life|things)|"
    r"end (?:it|it all|my life|things)|taking my (?:own )?life|take my (?:own )?life|overdosing|an overdose|"
    r"hanging myself|hurting myself|harming myself|cutting(?: myself)?|self[- ]?harm(?:ing)?|"
    r"jumping(?!\s+(?:on|at|up|through|for|ship|ahead|around|about|in(?! front)|into (?:the )?(?:pool|car|bed))\b)|"
    r"dying(?!\s+(?:my|your|her|his|the|it|of (?:boredom|laughter|embarrassment)))|"
    r"not (?:being|be) (?:here|alive|around)|not existing|not waking up|never waking up|"
    r"stepping in front of|throwing myself)"
)
# Going on, carrying on or keeping going with life, not with a trip, a course or a job.
_NOT_AN_OUTING = (
    r"(?!\s+(?:the|a|an|my|our|your|this|that|these|those|holiday|holidays|trips?|about|to|at|in|line|online|and|"
    r"strike|tour|dates?|walks?|it|them|him|her|there|working|work|driving|walking|reading)\b|\s+for (?:a|the|my|"
    r"our|that|this)\b)"
)
# Tried only where a word starts (never inside a word or after an apostrophe), which makes a long post about five
# times quicker to read than trying every alternative at every character: so each alternative starts with a word.
_INTENT = re.compile(
    r"(?<![\w'])(?=\w)(?:"
    + r"|".join(
        f"(?:{alternative})"
        for alternative in [
            r"\bkill(?:ing)? myself\b",
            r"\bif i (?:killed|kill|ended|end) (?:myself|my life|it all)\b",
            r"\bend(?:ing)? (?:it all|my (?:own )?life|(?:things|everything)(?!\s+(?:with|off|on|for)\b))\b",
            r"\bend(?:ing)? it\b(?!\s+(?:with|for (?:now|today|tonight|the (?:day|week|night|year))|there|here|early|"
            r"on (?:a|that|this) (?:\w+ )?note|at \d\w*|by \d\w*)\b)",
            r"\btak(?:e|ing) my (?:own )?life\b",
            r"\b(?<!don't )(?<!never )(?<!not )(?:want|wanted|wanting|ready|going|deserve|wish(?:ing)?) (?:to )?"
            r"(?:die|be dead)\b",
            r"\bwish (?:i|i'd) (?:was|were|had never been|hadn't been|had) (?:dead|born|never woken up)\b",
            r"\bwish (?:i|i'd) (?:could (?:just )?)?(?:die|not wake up|stop existing|cease to exist|wasn't (?:here|"
            r"alive|born)|didn't exist|didn't wake up|never woke up|had died|disappear(?!\s+for (?:a|an|the|\d)))\b",
            rf"\bi'?m {_SUICIDAL}\b|\bfeeling {_SUICIDAL}\b|\bfeel {_SUICIDAL}\b|\b{_SUICIDAL} (?:again|tonight|today|"
            r"thoughts)\b",
            rf"\b{_SUICIDE} (?:note|plan)\b",
            rf"\b(?:can't) (?:go on|carry on|keep going|keep living|live like this|cope anymore){_NOT_AN_OUTING}",
            r"\bcan't (?:take|do|cope with|handle|bear) (?:it|this|any of this)? ?anymore\b",
            r"\bno (?:reason|point) (?:to|in|of) (?:live|living|go on|going on|carry on|carrying on|being here|be here|"
            r"staying|being alive|staying alive|life)\b",
            # Not wanting to live, in the many ways people say it ("i do not want to be here any more").
            r"\b(?:don't|no longer|never)(?: really| even| honestly| actually| just)? (?:want|wish|feel like|care)"
            r"(?: to)? (?:be here(?!\s+(?:(?:at|in|on|for) (?:the |this |a |my )?(?:hospital|clinic|ward|a&e|er|"
            r"surgery|appointment|meeting|waiting room|office|work|job|queue|house|flat|town|city|country|group|forum|"
            r"bloods)|"
            r"at \d\w*|for (?:the|my|an?) \w+)\b)|"
            r"be alive|stay alive|keep living|exist|be in this world|"
            r"be around(?!\s+(?:people|others|anyone|anybody|them|him|her|you|crowds|family|friends|my|the)\b)|"
            r"live(?!\s+(?:in|at|with|near|on|there|here|somewhere|abroad|alone|by|next|close|far|together)\b)|"
            r"living(?!\s+(?:in|at|with|near|on|there|here|alone|together)\b)|"
            rf"(?:go on|carry on){_NOT_AN_OUTING}|"
            r"wake up(?!\s+(?:before|until|till|at|early|late|in time|on time|refreshed|rested|feeling|properly)\b)|"
            r"see (?:another (?:day|year|birthday|christmas|morning|summer|winter)|tomorrow|the morning))\b",
            r"\bdon't care (?:if|whether) i (?:live(?!\s+(?:in|at|with|near|on|there|here|alone|together)\b)|die|"
            r"wake up|make it)\b",
            r"\bdon't want to do (?:this|it|life) anymore\b",
            r"\b(?:not|never) (?:to )?wake up\b(?!\s+(?:before|until|till|at|early|late|in time|on time|refreshed|"
            r"rested|feeling|properly|when|with|without)\b)",
            r"\bif i (?:don't|didn't|never) wake up\b[^.!?\n]{0,40}\b(?:fine|ok|okay|good|prefer|better|relief|"
            r"happy|don't care|wouldn't care)\b",
            r"\bbetter off (?:dead|without me|if i (?:was|were)n'?t here)\b",
            r"\beveryone would be better off\b",
            r"\b(?:won't|not going to) be (?:here|around)(?: for)? (?:much longer|long|tomorrow|by|at|anymore|after "
            r"(?:tonight|today|this week))\b",
            # Passive hopelessness: easier if I were gone, might as well be dead, tired of living.
            r"\bif i (?:wasn't|weren't) (?:here|around|alive)\b(?!\s+(?:to|for|on|at|in|when|next|tomorrow|today|"
            r"this|that)\b)",
            r"\bif i (?:was|were) (?:gone|dead|not here|not around)\b(?!\s+for (?:a|an|the|\d|two|three|a few))",
            r"\b(?:might|may) as well (?:just )?(?:be dead|die|not be (?:here|alive|around)|not exist|not wake up|"
            r"end it|kill myself|give up on (?:life|living))\b",
            r"\b(?:stop(?:ped)?|cease(?:d)?|ceasing) (?:to )?exist(?:ing)?\b",
            r"\brather be dead\b|\b(?:i'd|i would) rather (?:die|not be (?:here|alive)|not exist|not wake up)\b"
            r"(?!\s+than)",
            r"\b(?:tired|sick|weary|exhausted) of (?:living|being alive|life|existing|this life|waking up)\b"
            r"(?!\s+(?:admin|insurance|coaching|skills|stor(?:y|ies)|with|in|on|at)\b)",
            r"\bhad enough of (?:life|living|being alive|it all|this life|existing)\b",
            r"\bwhy (?:bother|even bother|should i bother|am i still|do i keep) (?:staying alive|being alive|living|"
            r"carrying on|going on|waking up|alive|here)\b",
            r"\bcan't see myself (?:being |still )?(?:alive|here|around|living|making it)\b",
            r"\bwant (?:my life|it all|everything|all of it|this life|life) to be over\b",
            r"\blife (?:is|feels|seems)(?: so| just| completely| totally| utterly)? (?:pointless|meaningless|not worth "
            r"(?:it|living)|hopeless)\b",
            r"\bonly way out\b[^.!?\n]{0,30}\b(?:is|would be) (?:to (?:die|end it|kill myself)|death|dying)\b"
            rf"|\bonly way out\b[^.!?\n]{{0,30}}\b{_SUICIDE}\b|\b{_SUICIDE}\b[^.!?\n]{{0,30}}\bonly way out\b",
            # Thinking about, considering, planning or researching suicide or the means.
            r"\b(?:think|thinks|thinking|thought|thoughts|considering|consider|considered|contemplat(?:e|ing|ed)|"
            r"plan|plans|planning|planned|research(?:ing|ed)?|look(?:ing|ed)? up|googl(?:e|ing|ed)|obsess(?:ing|ed)?|"
            r"fantasi[sz](?:e|ing)|dream(?:ing)? about|tempted|urges?|close|serious|seriously) "
            rf"(?:about |of |on |by |to |with )?(?:my |doing |committing |attempting |just )?(?:own )?{_ACTS}",
            r"\b(?:ways?|how|methods?|the (?:best|easiest|quickest|least painful|most painless) way|painless ways?) "
            r"(?:to|of) (?:die|dying|kill myself|end (?:it|my life)|commit suicide|overdose)\b",
            r"\b(?:planning|planned|worked out|working out|figured out|decided|decide|deciding) (?:how|when|where) "
            r"(?:i'd|i'll|i will|i would|i'm going to) (?:do it|end it|die|go|kill myself)\b",
            r"\bhow easy it (?:would|'d|will) be to (?:jump|die|end it|do it|just go|step off|step out|take them|"
            r"overdose|let go)\b",
            r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b",
            r"\ba (?:plan and a date|date and a plan)\b",
            # Plans: the means ready, saved up or counted out.
            rf"\b{_MEDS}\b[^.!?\n]{{0,40}}\b(?:saved up|stockpiled|lined up|counted out|all of them)\b",
            rf"\b{_MEDS}\b[^.!?\n]{{0,40}}\bready\b(?!\s+(?:on|to|for|at|by|in|when|from))",
            rf"\b{_MEDS}\b[^.!?\n]{{0,40}}\b(?:saved|stashed|hidden|hoarded)\b(?!\s+(?:my|me|lives?|for (?:the|my) "
            r"(?:holiday|trip)|in (?:the|my) app)\b)",
            rf"\b(?:sav(?:ed|ing) up|stockpil(?:ed|ing)|hoard(?:ed|ing)|counted out) [^.!?\n]{{0,25}}{_MEDS}\b",
            r"\b(?:bought|got|have|found|tied) (?:a|the) (?:rope|noose)\b|\bnoose\b",
            r"\btonight(?:'s| is) the night\b",
            r"\b(?:take|swallow|taking|swallowing) (?:them |it |the lot )?all (?:of )?(?:my|the|them|at once)\b"
            r"(?![^.!?\n]{0,25}\b(?:to|into|back to|with me to|in to) (?:the |my )?(?:pharmacy|chemist|gp|doctor|"
            r"appointment|hospital|clinic|review|surgery|pharmacist)\b)",
            r"\b(?:swallow|swallowing|take|taking|overdose on) (?:them|the lot|everything) (?:all )?at once\b",
            r"\b(?:take|swallow|taking|swallowing|down|neck) (?:everything|the whole (?:box|bottle|pack|packet|lot))\b"
            r"(?!\s+(?:to|into|back|out|with|for|in (?:my )?stride|on board|in)\b)"
            r"|\b(?:take|swallow|taking|swallowing) everything in (?:the|my) (?:cupboard|cabinet|drawer|house)\b",
            r"\boverdos(?:e|ing)\b",
            r"\bhang(?:ing|ed)? myself\b|\bslit(?:ting)? (?:my )?wrists?\b|\boff(?:ing)? myself\b"
            r"|\bunaliv(?:e|ing) (?:myself|me)\b|(?<!\d)(?<!\d )(?<!few )(?<!many )\bkms\b",
            r"\b(?:walk|walking|wade|wading|go|going|throw myself) into the (?:sea|river|lake|canal|ocean|water|"
            r"traffic)\b",
            r"\b(?:step|stepping|stepped|throw myself|throwing myself|jump|jumping|walk|walking|lie|lying) (?:out )?"
            r"in front of (?:a|the) (?:train|bus|lorry|truck|car|tube)\b",
            r"\b(?:crash|crashing|drive|driving|steer|steering|swerve|swerving) (?:the car |my car )?into (?:a|the) "
            r"(?:tree|wall|lorry|truck|river|sea|bridge|oncoming)\b|\bso it looks like an accident\b",
            # Goodbyes (but not "my last post before the operation").
            r"\bthis (?:is|will be) my (?:last|final) (?:post|message|time)\b(?!\s+(?:before|for (?:a while|now|"
            r"today|tonight|this week)|until|till|of the (?:day|week|year)))",
            r"\b(?:last|final) (?:post|message) (?:from me|here)\b",
            r"\bgoodbye (?:everyone|all|friends|to you all|forever)\b",
            r"^(?:goodbye|farewell)(?: (?:now|then|all|everyone|friends|x+))?[.\s x]*$",  # a cheery "goodbye!" is not
            r"\bthis is (?:goodbye|my goodbye|farewell)\b(?!\s+(?:to|for)\b)",
            r"\bthank you (?:all )?for everything\b[^.!?\n]{0,40}\b(?:goodbye|bye|last|won'?t)\b",
            r"\bsay(?:ing)? goodbye\b[^.!?\n]{0,30}\b(?:for good|forever|everyone|all)\b",
            r"\b(?:won't|not going to) (?:be )?(?:posting|post|be on here|be back|see you|talk to you)(?: here)? "
            r"(?:again|anymore|much longer)\b(?!\s+(?:until|till|for|before|after|this|today|tonight|in)\b)",
            r"\bi'm checking out\b(?=\s*(?:$|[.!?,]|now\b|for good|tonight|early))",
            # Self-harm, and the urge to (but not "cut myself shaving", "hurt myself lifting the shopping").
            r"\b(?:hurt|cut|cutting|burn(?:ed|t)?|harm(?:ed|ing)?|hurting|punish(?:ed|ing)?) myself\b(?!\s+(?:out|"
            r"shaving|cooking|chopping|ironing|gardening|lifting|opening|falling|on (?:the|a)|by accident|"
            r"accidentally|at the gym|at work|when i fell|playing|tripping|while)\b)",
            r"\bself[- ]?harm(?:ed|ing)?\b",
            r"\b(?:cut|cutting|burning) (?:my )?(?:arms?|legs?|wrists?|skin|thighs?)\b",
            r"\b(?:urges?|urging|want|wanting|wanted|need|needing|tempted|itching|craving|desperate)"
            r"(?: so badly| really badly| so much)? to (?:sh|self[- ]?harm|hurt myself|harm myself|burn myself|"
            r"punish myself|cut(?=\s*(?:$|[.!?,]|\s(?:again|tonight|today|so|really|is|was|has|and|but|myself|"
            r"my (?:arms?|legs?|wrists?|skin|thighs?|stomach))\b)))\b",
            r"(?:^|\b(?:i|i've|and|then) )cut (?:again|myself|tonight|last night|deeper)\b"
            r"|\b(?:i'm|i've been|been|started|keep|kept) cutting (?:again|myself)\b",
            r"\b(?:planning|planned|plan|imagining|picturing) (?:my|my own) (?:death|exit)\b",
            r"\b(?:want(?:ing)? to|wish i could) (?:just )?(?:go to )?sleep (?:forever|for ever|and never wake up)\b",
            r"\b(?:would|\w+'d) be (?:so much |much |a lot )?better (?:off )?without me\b",
            r"\b(?:take|swallow|taking|swallowing) them all\b"
            r"(?!\s+(?:to|back|with|into|in|out|at (?:\d|the same time))\b)",
            r"\bjump(?:ing|ed)? (?:off|in front of|from)\b",
            r"\b(?:not|isn't|no longer) worth (?:living|being alive|it anymore)\b",
            r"\bdisappear (?:for good|forever|for ever|permanently|and (?:never|not) come back)\b"
            r"|\bwant to (?:just )?disappear\b(?=\s*(?:$|[.!?,]|and (?:never|not)\b|forever|for good|permanently))",
            r"\bgiv(?:e|ing) up on (?:life|living|everything|myself)\b|\bgiv(?:e|ing) up for good\b",
            r"\b(?:scratch|scratched|scratching|hit|hitting|banged|banging|bit|biting)\b[^.!?\n]{0,30}"
            r"\b(?:bled|bleed|bleeding|bruised)\b",
            # Warning signs the Samaritans and the NHS list: hopelessness, feeling a burden, putting affairs in
            # order, giving things away, looking up means.
            r"\bwant (?:it all|everything|all of it|this|the pain) to (?:stop|end) (?:for good|forever|permanently)\b",
            r"\bwant (?:it all|everything|all of it) to (?:stop|end)\b(?!\s+being\b)",
            r"\b(?:nobody|no one|no-one)(?: would|'d)? (?:even )?(?:notice|care|miss me)\b[^.!?\n]{0,30}"
            r"\b(?:gone|here|died|dead)\b",
            rf"\bhow many\b[^.!?\n]{{0,30}}{_MEDS}[^.!?\n]{{0,20}}"
            r"\b(?:would it take|it would take|to take|to kill|to die)\b",
            r"\bwrit(?:e|ing|ten) (?:goodbye |farewell |my last )?(?:letters?|notes?) (?:to|for) (?:my|the|everyone)"
            r"(?: (?:kids|children|family|husband|wife|partner|mum|dad|son|daughter|parents|loved ones))?\b"
            r"(?! (?:mp|gp|council|consultant|doctor|employer|boss|school|dwp|bank))",
            r"\bwr(?:ote|itten|iting|ite) (?:a |my |some )?(?:goodbye|farewell|last|final) (?:letters?|notes?)\b",
            r"\b(?:don't|can't|no longer) see (?:a|any|the) (?:future|way out|way forward|point (?:in|of|to) "
            r"(?:going on|living|life|being alive|being here|carrying on|staying alive|existing|waking up|"
            r"anything|it all))\b",
            r"\bwhat's the point (?:in|of) (?:living|being alive|going on|carrying on|life|being here|waking up)\b",
            r"\bno future for me\b",
            r"\bgiv(?:e|ing|en) (?:away )?(?:my|all my) (?:things|stuff|belongings|possessions|pets?)(?: away)?\b",
            r"\b(?:won't) be a (?:problem|burden|bother) (?:much longer|anymore|for long|to anyone)\b",
            r"\b(?:i'?m) (?:just )?a burden (?:to|on) (?:everyone|my family|them|you all)\b",
            r"\b(?:i'?m) going to do it (?:tonight|tomorrow|today|this weekend|when|while)\b"
            r"|\bwhen [^.!?\n]{1,50} (?:i'?m) going to do it\b",
            r"\b(?:i'?m) (?:so )?done with (?:everything|it all|life|living)\b",
            # Read in the public tuning posts (rmhd-suicidewatch.tune, docs/moderation-evaluation.md): leaving the
            # world, not making it to a date, the world without me, whether a means hurts, having to die.
            r"\b(?:leav(?:e|ing)|depart(?:ing)?) (?:this|the) (?:earth|world|planet)\b(?!\s+(?:a |in |with |for ))",
            r"\b(?:don't|not) (?:think|going to|gonna|sure) (?:i'?m |i'll |i will |i'm going to |if i'll )?make it "
            r"(?:to|through|past|until|till) (?:the end of|christmas|my birthday|next|another|this|tomorrow|the "
            r"(?:weekend|morning|summer|new year))\b",
            r"\bwhat (?:life|the world|everything|everyone|my family) would be (?:like )?without me\b",
            r"\b(?:hardly|can't|don't|barely) see myself (?:making it|living|surviving|getting|lasting) "
            r"(?:through|to|past|until|till|much)\b",
            r"\b(?:does|would|will|did|do) (?:hanging|drowning|bleeding out|an overdose|overdosing|jumping|slitting)"
            r"\b[^.!?\n]{0,20}\bhurt\b",
            r"\b(?:i )?(?:know|feel|think) (?:that )?i (?:have|need) to die\b",
            r"\bstopped caring (?:what happens|about anything|if i live|whether i live)\b",
        ]
    )
    + r")"
)
# What every match of _INTENT holds, as plain text (checked by `in`, far quicker than trying the alternatives at
# every word): each alternative above needs at least one of these words. KEEP IN STEP WITH _INTENT: a new
# alternative needs one of its own words here, or it is never tried.
_INTENT_WORDS = (
    "suicid", "sucid", "suicde", "suiside", "myself", "if i ", "end", "my life", "my own life", "life is",
    "life feels", "life seems", "die", "dying", "be dead", "wish ", "can't", "no reason", "no point", "don't",
    "no longer", "never", "wake up", "waking up", "better off", "won't", "not going to", "as well", "exist", "rather",
    "tired of", "sick of", "weary of", "exhausted of", "had enough of", "why bother", "why even", "why should i",
    "why am i", "why do i", "to be over", "only way out", "overdos", "cut", "harm", "jump", "not be", "in front of",
    "how i", "when i", "where i", "how easy it", "lethal", "fatal", "deadly", "a plan and a date", "a date and a plan",
    "sav", "stockpil", "lined up", "counted out", "all of them", "ready", "stashed", "hidden", "hoard", "rope",
    "noose", "the night", "tak", "swallow", "at once", "everything", "the whole", "wrist", "unaliv", "kms", "into ",
    "accident", "my last", "my final", "last post", "last message", "final post", "final message", "goodbye",
    "farewell", "for everything", "checking out", "burning", "to sh", "my death", "my exit", "own death",
    "own exit", "sleep forever", "sleep for ever", "sleep and never", "without me", "them all", "worth living",
    "worth being", "worth it anymore", "disappear", "giv", "bled", "bleed", "bruised", "to stop", "nobody",
    "no one", "no-one", "how many", "letter", "note", "what's the point", "no future", "a burden", "going to do it",
    "done with", "this earth", "the earth", "this world", "the world", "this planet", "the planet", "make it",
    "see myself", "hanging", "drowning", "slitting", "stopped caring",
)  # fmt: skip


def _may_intend(words: str) -> bool:
    return any(word in words for word in _INTENT_WORDS)


# The word alone ("the only way out I can see is suicide", "my suicidal brain"): a finding only when the sentence is
# about the writer, since suicide is also talked about in training, news and support.
_SUICIDE_WORD = re.compile(rf"\b{_SUICIDE}\b|\b{_SUICIDAL}\b")
_REPORTED = re.compile(r"\b(?:i|we) (?:read|heard|saw|learnt|learned)\b|\b(?:more|less) (?:common|likely)\b")

# Words that make a sentence about someone else, the past, a denial, or support for others.
_SUPPORT = re.compile(
    r"\bif (?:you|anyone|someone|they|he|she)(?:'re| are| is)? (?:ever )?(?:having|feeling|thinking|struggling|in "
    r"crisis|feel)\b"
    r"|\b(?:call|ring|text|phone|contact)\s+(?:988|999|111|116 ?123|samaritans|shout|the samaritans|a crisis line)\b"
    r"|\bplease (?:reach out|talk to|tell) (?:someone|us|a moderator|your)\b"
    r"|\byou're not alone\b|\bsending (?:you )?(?:love|hugs)\b"
    r"|\b(?:are you|you're) (?:ok|okay|safe|thinking (?:of|about)|feeling|having)\b"
    r"|\bhave you (?:ever )?(?:thought|felt|had)\b"
    r"|\b(?:asked|ask|asks|asking) (?:me |us |you |them |him |her |someone |people |patients )?(?:if|whether)\b"
    r"|\b(?:support|supporting|help|helping|look after|looking after) (?:a|my|your|someone|somebody|people|"
    r"a friend|a partner|others)\b[^.!?\n]{0,20}\bwho\b"
    r"|\bhow to (?:ask|talk to|help|support|spot|respond to) (?:someone|somebody|a friend|people|them|others)\b"
    r"|\b(?:questions?|asked|ask|asking|talk(?:ed|ing|s)?|training|course|leaflet|screening|information) (?:me )?"
    r"(?:about|on|for) (?:suicide|suicidal|self[- ]?harm)",
)
# Suicide and overdose as a topic: news, research, training, bereavement, medicine safety.
_TOPIC = re.compile(
    rf"\b{_SUICIDE} (?:prevention|awareness|rates?|statistics|figures|research|training|first aid|bereavement|"
    r"loss|survivors?|charity|charities)\b"
    rf"|\b(?:lost|losing)\b[^.!?\n]{{0,40}}\bto {_SUICIDE}\b|\b(?:died|dying|death|deaths) (?:by|of|from) {_SUICIDE}\b"
    rf"|\b(?:his|her|their|your) (?:{_SUICIDE}|{_SUICIDAL})\b"
    rf"|\b{_SUICIDAL} (?:patients?|people|clients?|callers?|friends?|teenagers?|men|women|children)\b"
    r"|\b(?:article|documentary|report|study|studies|research|podcast|book|film|programme|program|episode|webinar|"
    r"lecture|talk|poster|campaign|news (?:story|item|report)) (?:about|on|into|covering|around)\b"
    r"|\b(?:on|in) the news\b|\bcoroner'?s?\b|\binquest\b"
    # Content warnings and opinions: "(mentioning suicide)", "tw: self harm", "i don't believe in self harm".
    rf"|\b(?:tw|cw|trigger warning|content warning|mentions? of|mentioning)\b:? (?:{_SUICIDE}|self[- ]?harm)"
    r"|\bdon't believe in (?:self[- ]?harm|suicide)\b"
    r"|\b(?:accidental|avoid(?:ing)?(?: an?)?|risk of(?: an?)?|prevent(?:ing)?(?: an?)?|in case of(?: an?)?) "
    r"overdos(?:e|es|ing)\b",
)
_OTHER_PERSON = re.compile(
    r"\b(?:my|our|a|her|his) (?:friend|sister|brother|mum|mom|mother|dad|father|son|daughter|husband|wife|partner|"
    r"cousin|aunt|uncle|neighbou?r|colleague|nan|gran|grandad|niece|nephew|patient|client|member)\b"
    r"|\b(?:she|he|they) (?:said|told|wanted|was|were|tried|had|felt|thought)\b",
)
_NOT_NOW = re.compile(
    r"\b(?:used to|years ago|months ago|back in (?:\d{4}|my)|back then|in the past|when i was (?:younger|a teen|a "
    r"teenager|at school|at uni|first diagnosed|(?:in )?my (?:late |early |mid )?(?:teens|twenties|20s|thirties|30s))|"
    r"not anymore)\b"
    r"|\bno longer (?:feel|think about|have) (?:suicidal|like that|that way|those thoughts|the urges?|urges)\b"
    r"|\bno longer want to (?:die|hurt|harm|kill|end)\b"
    r"|\b(?:haven't) (?:self[- ]?harmed|harmed|hurt|cut|felt|had|wanted)\b"
    rf"|\b(?:i'm|i was) not (?:{_SUICIDAL}|going to (?:do|hurt|harm|kill|act|try))\b"
    r"|\b(?:i'm|i was|i've|i have) not (?:been )?(?:thinking|planning|considering|contemplating|self[- ]?harming|"
    r"cutting|hurting myself)\b|\bhaven't (?:been )?(?:thinking|thought|planned|planning)\b"
    rf"|\b(?:would|i'd) never\b|\bnot (?:{_SUICIDAL}|in danger)\b",
)
_FIRST_PERSON = re.compile(rf"\b{_I}\b|\bmyself\b|\bme\b|\bmy\b")
# Who a matched clause is about: the nearest subject before the match ("my sister has been self-harming", "some
# nights he says he wants to die"), unless the match itself names the writer ("if i was gone", "kill myself").
_SUBJECT = re.compile(
    r"\b(?P<me>i|i'm|i've|i'd|i'll|me|myself)\b"
    r"|\b(?P<other>he|she|they|hes|shes|someone|somebody|anyone|anybody|people"
    r"|(?:my|our|a|her|his|the|your|their) (?:friend|sister|brother|mum|mom|mother|dad|father|son|daughter|husband|"
    r"wife|partner|boyfriend|girlfriend|cousin|aunt|uncle|neighbou?r|colleague|nan|gran|grandad|niece|nephew|"
    r"patient|client|member|kid|child|doctor|gp|nurse|pharmacist|consultant|therapist|counsell?or|psychiatrist|"
    r"psychologist)s?)\b",
)
_MINE_TOO = re.compile(r"\b(?:anyone|anybody|someone|people) else\b|\bis it just me\b|\bam i the only one\b")
_MINE = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|myself)\b")

HIGH, LOW = 0.9, 0.3


def _about_someone_else(sentence: str) -> bool:
    """The sentence names someone else and, once they are taken out, says nothing of the writer."""
    if _OTHER_PERSON.search(sentence) is None:
        return False
    return _FIRST_PERSON.search(_OTHER_PERSON.sub(" ", sentence)) is None


def _said_of_someone_else(sentence: str, match: re.Match[str]) -> bool:
    """The matched words have someone else as their subject: the nearest subject before them is another person."""
    if _MINE.search(match.group()) or _MINE_TOO.search(sentence):
        return False
    subjects = list(_SUBJECT.finditer(sentence, 0, match.start()))
    return bool(subjects) and subjects[-1].group("other") is not None


def _matches(sentence: str) -> list[re.Match[str]]:
    matches = list(_INTENT.finditer(sentence)) if _may_intend(sentence) else []
    if not matches:
        word = _SUICIDE_WORD.search(sentence)
        if word is not None and _FIRST_PERSON.search(sentence) and _REPORTED.search(sentence) is None:
            matches = [word]
    return matches


# Crisis words as figures of speech or about something else ("the pain is killing me", "end it with my boyfriend",
# "dying to know"): no finding that decides, but a LOW one, so that the classifier, which reads words and not what
# they are about, must be surer there (CrisisDetector).
_FIGURE = re.compile(
    r"\b(?:is|are|was|were|it's) killing me\b|\bkill(?:ing)? for (?:a|an|some)\b|\bdying (?:to|for|of)\b"
    r"|\bend(?:ing)? (?:it|things) (?:with|between)\b|\bend of my tether\b"
    r"|\bcan't go on (?:the|a|an|my|our|that|this)\b|\b(?:ready|want(?:ed)?|going) to die of (?:embarrassment|shame|"
    r"boredom|laughter)\b|\bshoot me now\b"
)


def read_rules(text: str) -> list[Finding]:
    """The rules' findings: one certain (HIGH) finding ends the reading; LOW ones are crisis words in a context the
    rules read as not the writer's own crisis (quoted, someone else, the past, a denial, support, a topic)."""
    findings: list[Finding] = []
    for sentence, words in contracted_sentences(text):
        matches = _matches(words)
        if not matches:
            if _FIGURE.search(words):
                findings.append(Finding(Category.CRISIS, LOW, sentence[:200], "crisis"))
            continue
        confidence = HIGH
        if sentence.lstrip().startswith(">"):
            confidence = LOW  # someone else's words, quoted
        elif (
            _SUPPORT.search(words)
            or _NOT_NOW.search(words)
            or _TOPIC.search(words)
            or _about_someone_else(words)
            # "my sister has been self-harming and i've been thinking about suicide too": any clause of the
            # writer's own decides
            or all(_said_of_someone_else(words, match) for match in matches)
        ):
            confidence = LOW
        findings.append(Finding(Category.CRISIS, confidence, sentence[:200], "crisis"))
        if confidence == HIGH:
            break  # one certain finding is enough: the post is urgent
    return findings


def rules_outcome(text: str) -> tuple[bool, bool]:
    """(the rules decide it is a crisis, a rule saw crisis words in a non-crisis context): what training reads."""
    findings = read_rules(text)
    return any(f.confidence == HIGH for f in findings), any(f.confidence == LOW for f in findings)


class CrisisDetector:
    """The rules first (fast, and they explain themselves); when they are not certain, the classifier
    (screening/classifiers.py) reads the text in windows. A classifier finding counts when its probability reaches
    the threshold chosen by cross-validation, or the higher one chosen for texts where the rules saw crisis words in
    a non-crisis context. Without a classifier (missing or corrupt) the rules decide alone."""

    name: str = "crisis"
    category: str = Category.CRISIS

    def detect(self, text: str, context: Context) -> list[Finding]:
        findings = read_rules(text)
        if any(finding.confidence == HIGH for finding in findings):
            return findings
        model = classifiers.model(Category.CRISIS)
        if model is None:
            return findings
        # Where the rules saw crisis words in a non-crisis context, the classifier must be surer there: a window
        # holding such a sentence needs the context threshold (training.py), the others the plain one.
        in_context = float(model.meta.get("threshold_in_context", model.threshold))
        contexts = [classifiers.normalise(finding.evidence)[:60] for finding in findings]
        for probability, (start, end) in sorted(model.window_scores(text), key=lambda window: -window[0]):
            if probability < model.threshold:
                break
            window = classifiers.window_text(text, start, end)
            if probability < in_context and any(sentence in window for sentence in contexts):
                continue
            confidence = 0.5 + 0.5 * (probability - model.threshold) / (1 - model.threshold)
            findings.append(Finding(self.category, confidence, window[:200], "crisis-classifier",
                                    {"probability": f"{probability:.3f}"}))  # fmt: skip
            break
        return findings


DETECTOR = CrisisDetector()
