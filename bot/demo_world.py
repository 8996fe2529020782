"""A realistic demo workspace, generated for a given day: the world JSON the importer loads.

Each account follows a storyline (a competitive evaluation, a stalled deal, a renewal at risk...): a cast of
buyers and a few dated beats written the way reps log calls. Deterministic: the same arguments always give
the same world; nothing reads the clock.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

COLLEAGUE = {"id": "U_COLLEAGUE", "name": "Jordan Ellery"}


class Slot(NamedTuple):
    group: str  # a key of TITLES
    roles: tuple[str, ...]
    attitude: int
    title: str | None = None  # when the story needs this exact title (the detractor CFO)


class Beat(NamedTuple):
    days_ago: int
    touch: str
    text: str  # {p0} first name, {t0} title of cast member 0; {pain}, {site}, {segment}, {n}
    people: tuple[int, ...]
    signals: tuple[tuple[str, str, float], ...]
    stage: str | None


class Step(NamedTuple):
    due_in: int  # days from today; negative is overdue
    text: str
    people: tuple[int, ...]
    done: bool = False


class Story(NamedTuple):
    cast: tuple[Slot, ...]
    beats: tuple[Beat, ...]
    steps: tuple[Step, ...]


def _eng(polarity: str, strength: float) -> tuple[str, str, float]:
    return ("engagement", polarity, strength)


P, N, Z = "positive", "negative", "neutral"
PAIN, SOL, SEL, VAL, CUST = "pain_recognition", "solution_understanding", "vendor_selection", "validation", "customer"

STORIES: dict[str, Story] = {
    "competitive": Story(
        (Slot("tech", ("champion", "influencer"), 1), Slot("it", ("decider",), 0),
         Slot("finance", ("economic_buyer",), 0), Slot("user", ("user",), 1)),
        (Beat(25, "call", "Intro call w/ {p1} ({t1}) - {pain}. {p0} joined and asked good API questions", (1, 0),
              (_eng(P, .6),), PAIN),
         Beat(18, "demo", "Demo for {p0} and {p3}. Lots of questions on SSO and reporting, want to see the admin "
              "side next", (0, 3), (_eng(P, .7),), SOL),
         Beat(10, "call", "Call with {p0} - comparing us with two other vendors, wants a sandbox", (0,),
              (_eng(P, .6),), SEL),
         Beat(4, "trial", "Sandbox is live. {p3} already rebuilt two of their workflows in it, says it's much "
              "faster than what they have", (3,), (_eng(P, .8),), SEL)),
        (Step(2, "Send security questionnaire answers to {p1}", (1,)),
         Step(0, "Book pricing call with {p2}", (2,)))),
    "cfo_detractor": Story(
        (Slot("finance", ("economic_buyer", "blocker"), -2, "CFO"), Slot("ops", ("champion", "initiator"), 2),
         Slot("exec", ("decider",), 0), Slot("procurement", ("gatekeeper",), 0), Slot("user", ("user",), 1)),
        (Beat(26, "meeting", "On site with {p1} and the ops team - {pain}. They feel it every week", (1, 4),
              (_eng(P, .7),), PAIN),
         Beat(19, "demo", "Demo to {p1}'s supervisors, very engaged, asked about offline mode for {site}", (1, 4),
              (_eng(P, .7),), SOL),
         Beat(12, "call", "{p1} says we're shortlisted against one other vendor. Wants a proposal before their "
              "budget meeting", (1,), (_eng(P, .6),), SEL),
         Beat(6, "meeting", "Pricing meeting with {p0} ({t0}) went badly - thinks we're 30% too expensive and "
              "doesn't buy the ROI. {p1} still pushing for us", (0, 1), (_eng(N, .8),), VAL),
         Beat(2, "email", "{p3} sent their vendor onboarding forms, wants MSA redlines back next week", (3,),
              (_eng(Z, .4),), VAL)),
        (Step(-2, "Send {p0} an ROI model built on their own numbers", (0,)),
         Step(1, "Ask {p2} for 20 minutes on the business case", (2,)),
         Step(5, "Return MSA redlines to {p3}", (3,)))),
    "stalled": Story(
        (Slot("it", ("decider",), 0), Slot("tech", ("influencer",), 1), Slot("finance", ("economic_buyer",), 0)),
        (Beat(27, "call", "Discovery call with {p0} - {pain}, wants it fixed before next quarter", (0,),
              (_eng(P, .6),), PAIN),
         Beat(23, "demo", "Technical deep dive with {p1}, liked the integrations, asked for pricing tiers", (1,),
              (_eng(P, .6),), SOL),
         Beat(20, "email", "Sent the proposal to {p0}, who will review it with {p2} next week", (0, 2),
              (_eng(Z, .4),), SEL),
         Beat(9, "email", "Chased {p0} on the proposal - no reply yet", (0,), (_eng(N, .3),), None)),
        (Step(-6, "Follow up with {p0} on the proposal", (0,)),)),
    "renewal_risk": Story(
        (Slot("user", ("user", "champion"), 0), Slot("it", ("decider",), -1),
         Slot("finance", ("economic_buyer",), 0), Slot("exec", ("decider",), 0)),
        (Beat(25, "support", "Escalation from {p1}: sync jobs failing for three days, second outage this quarter",
              (1,), (_eng(N, .7), ("loyalty", N, .5)), CUST),
         Beat(18, "email", "NPS survey back from {p0}: 4/10 - says the mobile app is too slow for the team at "
              "{site}", (0,), (("sampling", N, .7),), CUST),
         Beat(11, "meeting", "QBR with {p1} and {p2}. Renewal in 60 days; {p2} wants the price increase justified "
              "and is looking at alternatives", (2, 1), (_eng(N, .6), ("loyalty", N, .7)), CUST),
         Beat(3, "call", "{p1} confirmed the fix is holding. Tone better, still asking for a service credit", (1,),
              (_eng(Z, .5),), CUST)),
        (Step(-1, "Share the root-cause report with {p1}", (1,)),
         Step(3, "Send renewal proposal with a service-credit option to {p2}", (2,)))),
    "multi_thread": Story(
        (Slot("exec", ("decider",), 1), Slot("finance", ("economic_buyer",), 1), Slot("it", ("influencer",), 0),
         Slot("security", ("gatekeeper",), 0), Slot("user", ("champion", "initiator"), 2),
         Slot("procurement", ("gatekeeper",), 0)),
        (Beat(27, "meeting", "Workshop with {p4} and three team leads - mapped the current process, lots of manual "
              "handoffs", (4,), (_eng(P, .7),), PAIN),
         Beat(21, "demo", "Demo to {p2} and {p4}; {p2} wants to see the data model and SSO setup", (2, 4),
              (_eng(P, .6),), SOL),
         Beat(15, "meeting", "Exec briefing with {p0} - sees this as a priority for next year, asked for a "
              "business case", (0,), (_eng(P, .8),), SEL),
         Beat(10, "email", "{p3} sent the security questionnaire (180 questions), wants our SOC 2 report", (3,),
              (_eng(Z, .5),), VAL),
         Beat(5, "reference", "Reference call between {p1} and one of our {segment} customers went well", (1,),
              (_eng(P, .7),), VAL),
         Beat(1, "call", "{p5} asked for final pricing and payment terms - they want to sign before quarter end",
              (5,), (_eng(P, .8),), VAL)),
        (Step(0, "Send SOC 2 report and pen-test summary to {p3}", (3,)),
         Step(2, "Send final pricing to {p5}", (5,)),
         Step(7, "Review the mutual close plan with {p0}", (0, 4)))),
    "churned": Story(
        (Slot("user", ("user",), -1), Slot("finance", ("economic_buyer",), -2), Slot("it", ("decider",), 0)),
        (Beat(26, "call", "Exit call with {p0} - they moved to a cheaper tool, said onboarding took too long",
              (0,), (("loyalty", N, .9), _eng(N, .5)), None),
         Beat(13, "email", "Sent {p2} a note about the new import wizard, no reply", (2,), (_eng(Z, .2),), None),
         Beat(5, "message", "{p0} posted on LinkedIn that they miss our reporting - commented, could be a win-back",
              (0,), (("chatter", P, .4),), None)),
        (Step(30, "Win-back check-in with {p0}", (0,)),)),
    "expansion": Story(
        (Slot("user", ("champion", "user"), 2), Slot("it", ("influencer",), 1),
         Slot("finance", ("economic_buyer",), 1), Slot("exec", ("decider",), 1)),
        (Beat(24, "email", "NPS back: 9 from {p0}, 10 from two of the team leads", (0,), (("sampling", P, .8),), CUST),
         Beat(16, "meeting", "QBR with {p0} and {p1}: adoption up to 85%, they want to roll out to {site}", (0, 1),
              (_eng(P, .8),), CUST),
         Beat(9, "reference", "{p0} agreed to be a reference and to speak at our user group", (0,),
              (("loyalty", P, .8),), CUST),
         Beat(3, "call", "{p2} approved the expansion - {n} more seats, PO coming next week", (2,),
              (("purchase", P, .9), _eng(P, .7)), CUST)),
        (Step(-3, "Thank-you note to {p0} for the reference", (0,), True),
         Step(1, "Send the order form for {n} seats to {p2}", (2,)),
         Step(10, "Invite {p0} to the customer advisory board", (0,)))),
    "new_lead": Story(
        (Slot("ops", ("initiator",), 1), Slot("exec", ("decider",), 0), Slot("user", ("user",), 0)),
        (Beat(13, "event", "Met {p0} at the trade show booth - {pain}", (0,), (_eng(P, .5),), PAIN),
         Beat(8, "email", "{p0} downloaded the benchmark report and replied asking for a call", (0,),
              (_eng(P, .4),), PAIN),
         Beat(5, "call", "First call with {p0}: missed two deadlines with key customers last quarter, {p1} wants "
              "a fix this year", (0,), (_eng(P, .6),), PAIN)),
        (Step(1, "Send {p0} the case study", (0,)),
         Step(6, "Discovery call with {p0} and {p1}", (0, 1)))),
    "nurture": Story(
        (Slot("tech", ("initiator",), 1), Slot("it", ("decider",), 0), Slot("finance", ("economic_buyer",), 0)),
        (Beat(20, "webinar", "{p0} attended our automation webinar and asked three good questions", (0,),
              (_eng(P, .5),), PAIN),
         Beat(12, "email", "{p0} read the buyer's guide, asked how we compare to building it in-house", (0,),
              (_eng(P, .5),), SOL),
         Beat(5, "call", "Call with {p0} and {p1} - scoping requirements, budget not set yet", (0, 1),
              (_eng(Z, .5),), SOL)),
        (Step(0, "Send the build-vs-buy whitepaper to {p1}", (1,)),
         Step(14, "Check in with {p0} on the requirements doc", (0,)))),
    "legal_close": Story(
        (Slot("exec", ("decider",), 1), Slot("procurement", ("gatekeeper",), 0),
         Slot("security", ("gatekeeper",), -1), Slot("ops", ("champion",), 2), Slot("finance", ("economic_buyer",), 1)),
        (Beat(22, "demo", "Final demo for {p3}'s team and {p0}. {p0}: 'this is the one'", (0, 3),
              (_eng(P, .9),), SEL),
         Beat(15, "call", "{p0} gave a verbal yes - paperwork goes to {p1} and legal", (0, 1), (_eng(P, .8),), VAL),
         Beat(8, "meeting", "Security review with {p2} - unhappy about data residency, wants EU hosting in writing",
              (2,), (_eng(N, .6),), VAL),
         Beat(2, "email", "{p4} signed off the budget; {p1} sent MSA redlines, mostly liability caps", (4, 1),
              (_eng(P, .6),), VAL)),
        (Step(-3, "Confirm EU hosting in writing to {p2}", (2,)),
         Step(4, "Return MSA redlines to {p1}", (1,)))),
    "onboarding": Story(
        (Slot("ops", ("champion", "user"), 1), Slot("it", ("influencer",), 0), Slot("user", ("user",), 0),
         Slot("finance", ("economic_buyer",), 1)),
        (Beat(24, "email", "Contract signed by {p3} - {n} seats, two-year term", (3,), (("purchase", P, 1.0),), CUST),
         Beat(20, "onboarding", "Kickoff with {p0} and {p1}: go-live in six weeks, data migration first", (0, 1),
              (_eng(P, .7),), CUST),
         Beat(12, "training", "Admin training for {p1}'s team went fine, SSO setup still pending", (1,),
              (_eng(Z, .5),), CUST),
         Beat(4, "support", "{p2} got stuck on the data import, opened a ticket - fixed same day", (2,),
              (_eng(P, .5),), CUST)),
        (Step(0, "Check SSO setup status with {p1}", (1,)),
         Step(9, "Go-live readiness review with {p0}", (0,)))),
    "lost": Story(
        (Slot("sales", ("decider",), -1), Slot("marketing", ("influencer",), 1), Slot("it", ("gatekeeper",), 0)),
        (Beat(25, "demo", "Demo for {p0} and {p1}: loved the reporting, {p0} worried about rollout effort", (0, 1),
              (_eng(P, .5),), SOL),
         Beat(17, "call", "{p0} has us and the incumbent on the shortlist, wants a reference", (0,),
              (_eng(Z, .5),), SEL),
         Beat(7, "call", "Lost - {p0} is staying with the incumbent, switching now is too risky. {p1} disappointed, "
              "asked to stay in touch", (0, 1), (_eng(N, .7),), None)),
        (Step(45, "Check back with {p1} before their next budget cycle", (1,)),)),
    "quiet": Story((), (), ()),
}

TITLES: dict[str, tuple[str, ...]] = {
    "finance": ("CFO", "VP Finance", "Finance Director", "Head of Finance", "Financial Controller"),
    "it": ("CIO", "Head of IT", "IT Director", "VP Technology", "Director of Engineering", "CTO"),
    "tech": ("Solutions Architect", "Senior Software Engineer", "IT Manager", "Systems Administrator",
             "Data Engineer", "Engineering Manager"),
    "ops": ("VP Operations", "Operations Director", "Plant Manager", "Head of Supply Chain", "Operations Manager"),
    "user": ("Customer Service Manager", "Team Lead", "Project Manager", "Business Analyst",
             "Scheduling Coordinator"),
    "procurement": ("Procurement Manager", "Head of Procurement", "Purchasing Director", "Strategic Sourcing Lead"),
    "exec": ("CEO", "COO", "General Manager", "Managing Director", "President"),
    "marketing": ("CMO", "VP Marketing", "Head of Marketing", "Marketing Director"),
    "sales": ("VP Sales", "Chief Revenue Officer", "Head of Sales", "Sales Operations Manager"),
    "security": ("CISO", "Head of Information Security", "Compliance Manager", "Data Protection Officer"),
    "hr": ("CHRO", "VP People", "HR Director", "Head of Talent"),
}

# segment: (a pain its buyers describe, a site or team an expansion or question is about)
SEGMENTS: dict[str, tuple[str, str]] = {
    "Manufacturing": ("downtime reporting still lives in spreadsheets", "the second plant"),
    "Logistics": ("late-delivery claims are eating their margin", "the new cross-dock"),
    "Transportation": ("crew scheduling is done by hand every week", "the northern depot"),
    "Software": ("customer onboarding takes six weeks and three tools", "the EMEA team"),
    "Mining": ("maintenance work orders get lost between shifts", "the second mine site"),
    "Consumer Goods": ("launches slip because approvals run on email", "the new EU brand team"),
    "Healthcare": ("referral paperwork takes days and gets lost", "the two new clinics"),
    "Financial Services": ("their last audit flagged manual approvals", "the mortgage team"),
    "Life Sciences": ("batch record reviews are manual and slow", "the Basel lab"),
    "Professional Services": ("project staffing runs on a shared spreadsheet", "the London office"),
    "Energy": ("field inspection reports take a week to reach the office", "the wind farm crews"),
    "Retail": ("store task lists still go out by email", "the franchise stores"),
    "Food & Beverage": ("supplier quality checks are tracked on paper", "the bottling site"),
    "Education": ("enrolment requests bounce between four departments", "the online campus"),
    "Hospitality": ("maintenance requests from properties get lost", "the coastal resorts"),
    "Telecommunications": ("field-service handoffs keep customers waiting", "the fibre rollout team"),
    "Insurance": ("claims handoffs add days to every claim", "the commercial lines team"),
    "Agriculture": ("harvest logistics are coordinated over group chats", "the southern farms"),
    "Construction": ("change orders take weeks to approve", "the hospital project"),
    "Public Sector": ("permit requests are still on paper forms", "the water department"),
    "Media": ("content approvals drag on for days", "the podcast unit"),
}

# name | aliases (;) | domain | segment | lifecycle | owned by the colleague | story
ACCOUNTS = """\
Kestrel Components GmbH|Kestrel|kestrel-components.de|Manufacturing|prospect||cfo_detractor
Brightwater Freight Solutions|Brightwater|brightwaterfreight.com|Logistics|prospect||competitive
Halvorsen Marine AS|Halvorsen|halvorsenmarine.no|Transportation|customer||renewal_risk
Quillfeather Analytics, Inc.|Quillfeather|quillfeather.io|Software|prospect||multi_thread
Ironbark Minerals Pty Ltd|Ironbark|ironbarkminerals.com.au|Mining|prospect||stalled
Solenne Cosmetiques S.A.|Solenne|solenne-cosmetiques.fr|Consumer Goods|customer||expansion
Tidewell Health Partners||tidewellhealth.org|Healthcare|prospect||legal_close
Granite Peak Credit Union|Granite Peak;GPCU|granitepeakcu.org|Financial Services|prospect||nurture
Ardent Biologics, Inc.|Ardent Bio|ardentbiologics.com|Life Sciences|prospect||new_lead
Marlowe & Finch LLP|Marlowe Finch|marlowefinch.com|Professional Services|customer||onboarding
Copperleaf Energy Cooperative|Copperleaf|copperleafenergy.coop|Energy|churned||churned
Verdant Row Grocers||verdantrow.com|Retail|prospect|x|competitive
Northstack Cloud Services||northstack.cloud|Software|prospect||lost
Pemberton Precision Tooling Ltd|Pemberton|pembertontooling.co.uk|Manufacturing|customer|x|quiet
Saltmarsh Seafoods||saltmarshseafoods.com|Food & Beverage|prospect||new_lead
Orbital Learning Group||orbitallearning.edu|Education|prospect||nurture
Fernhollow Hotels & Resorts|Fernhollow|fernhollowhotels.com|Hospitality|customer||expansion
Cobaltline Telecom plc|Cobaltline|cobaltline.co.uk|Telecommunications|prospect||legal_close
Wrenfield Insurance Group|Wrenfield|wrenfieldinsurance.com|Insurance|prospect||stalled
Bluestem Agritech||bluestemagritech.com|Agriculture|prospect|x|quiet
Harrowgate Construction Ltd|Harrowgate|harrowgatebuild.co.uk|Construction|prospect||competitive
Lumenfall Studios||lumenfall.tv|Media|churned||churned
Stonebridge Municipal Utilities|Stonebridge|stonebridgeutilities.gov|Public Sector|prospect||nurture
Aldergrove Logistics B.V.|Aldergrove|aldergrove-logistics.nl|Logistics|customer||renewal_risk
Sable & Hart Advisory||sablehart.com|Professional Services|prospect||quiet
Vallory Pharmaceuticals AG|Vallory Pharma|vallorypharma.ch|Life Sciences|prospect||stalled
Thistledown Furniture Co.|Thistledown|thistledownfurniture.com|Manufacturing|customer||expansion
Oakhaven Senior Living||oakhavenliving.com|Healthcare|prospect|x|new_lead
Pinecrest Robotics||pinecrestrobotics.com|Manufacturing|prospect||competitive
Glassmoor Software||glassmoor.dev|Software|customer||onboarding
Cardale Outdoor Supply||cardaleoutdoor.com|Retail|churned||quiet
Trelawney Shipping Ltd|Trelawney|trelawneyshipping.com|Transportation|prospect|x|stalled
Evenbrook Dairy Cooperative|Evenbrook|evenbrookdairy.com|Food & Beverage|customer||quiet
Hollis Ridge Family Clinics|Hollis Ridge|hollisridgeclinics.com|Healthcare|prospect||quiet
Zephyr Grid Storage||zephyrgrid.energy|Energy|prospect||nurture
Castellan Facility Services||castellanfacilities.com|Professional Services|customer||renewal_risk
"""

FIRST_NAMES = (
    "Amara", "Bastian", "Camille", "Darius", "Elif", "Farah", "Gideon", "Helga", "Idris", "Jolene", "Kofi",
    "Leandra", "Mateo", "Nadia", "Orla", "Pieter", "Quinn", "Rosalind", "Soren", "Thandiwe", "Ulrich", "Valentina",
    "Wendell", "Ximena", "Yusuf", "Zofia", "Anneke", "Bruno", "Celeste", "Dmitri", "Esther", "Felipe", "Greta",
    "Hamid", "Ingrid", "Jasper", "Kalani", "Lucian", "Marisol", "Nikhil", "Odette", "Rafael", "Signe", "Tobias",
    "Uma", "Viktor", "Willa", "Yara", "Anika", "Callum", "Delphine", "Ewan", "Freya", "Gustavo", "Hiroshi",
    "Imogen", "Joaquin", "Kirsten", "Lorenzo", "Maeve"
)
LAST_NAMES = (
    "Abernathy", "Bergstrom", "Castellanos", "Delacroix", "Eriksen", "Fairweather", "Gallagher", "Haddad",
    "Ishikawa", "Jovanovic", "Kowalczyk", "Lindqvist", "Nakashima", "Oyelaran", "Pellegrini", "Quintero",
    "Rasmussen", "Szabo", "Thorne", "Underwood", "Varga", "Wexler", "Yilmaz", "Zielinski", "Achterberg", "Brandt",
    "Coelho", "Dunmore", "Esposito", "Ferreira", "Galloway", "Halloran", "Iversen", "Jaramillo", "Keane",
    "Lachance", "Mwangi", "Novak", "Ostrowski", "Prescott", "Renard", "Sandoval", "Takahashi", "Whitlock",
    "Adeyemi", "Blackwood", "Carrington", "Devereux", "Engel", "Fontaine", "Marchetti", "Sorensen", "Vance"
)  # 60 and 53 names: coprime counts, so (first, last) pairs never repeat
QUIET_GROUPS = {"exec": "decider", "finance": "economic_buyer", "it": "influencer", "ops": "user", "user": "user",
                "procurement": "gatekeeper", "marketing": "initiator", "hr": "influencer"}


def build_demo_world(*, today: date, rep_id: str = "U_DEMO", rep_name: str = "Demo Rep",
                     tz: str = "America/New_York") -> dict[str, Any]:
    """The demo workspace as world JSON, with four weeks of history before `today` (the rep's local date)."""
    rng = random.Random("touchpoint-demo-world")  # fixed seed: same day and rep, same world
    zone = ZoneInfo(tz)
    firsts, lasts = rng.sample(FIRST_NAMES, len(FIRST_NAMES)), rng.sample(LAST_NAMES, len(LAST_NAMES))
    world: dict[str, Any] = {
        "workspace": {"name": "Demo"},
        "reps": [{"id": rep_id, "name": rep_name, "tz": tz}, {**COLLEAGUE, "tz": tz}],
        "accounts": [], "contacts": [], "interactions": [], "next_steps": [],
        "goals": _goals(today),
    }
    for line in ACCOUNTS.splitlines():
        name, aliases, domain, segment, lifecycle, colleague, story_key = line.split("|")
        owner = COLLEAGUE["id"] if colleague else rep_id
        world["accounts"].append({"name": name, "aliases": [a for a in aliases.split(";") if a], "domain": domain,
                                  "segment": segment, "lifecycle": lifecycle, "owner": owner})
        story = STORIES[story_key]
        cast = story.cast or tuple(  # a quiet account: a few people, nothing logged yet
            Slot(g, (QUIET_GROUPS[g],), rng.choice((-1, 0, 0, 1))) for g in rng.sample(sorted(QUIET_GROUPS), 3))
        people: list[dict[str, Any]] = []
        for slot in cast:
            n = len(world["contacts"])  # (first[n % 60], last[n % 53]) never repeats: the counts are coprime
            person: dict[str, Any] = {
                "name": f"{firsts[n % len(firsts)]} {lasts[n % len(lasts)]}", "account": name,
                "title": slot.title or rng.choice(TITLES[slot.group]),
                "roles": list(slot.roles), "attitude": slot.attitude,
            }
            world["contacts"].append(person)
            people.append(person)
        pain, site = SEGMENTS[segment]
        fill: dict[str, object] = {"pain": pain, "site": site, "segment": segment.lower(),
                                   "n": rng.choice((25, 40, 60, 120, 200))}
        for i, person in enumerate(people):
            fill[f"p{i}"], fill[f"t{i}"] = person["name"].split()[0], person["title"]
        shift = rng.randint(-2, 2)  # so the accounts do not all move on the same days
        days = [min(28, max(1, b.days_ago + shift + rng.choice((-1, 0, 0, 1)))) for b in story.beats]
        for beat, at in zip(story.beats, _times(rng, today, zone, days), strict=True):
            world["interactions"].append({
                "account": name, "at": at.isoformat(), "rep": owner, "text": beat.text.format(**fill),
                "people": [people[i]["name"] for i in beat.people], "touch": beat.touch,
                "signals": [{"channel": c, "polarity": p, "strength": _jitter(rng, s)} for c, p, s in beat.signals],
                "stage": beat.stage,
            })
        for step in story.steps:
            world["next_steps"].append({
                "account": name, "text": step.text.format(**fill), "due": _workday(today, step.due_in).isoformat(),
                "owner": owner, "done": step.done, "people": [people[i]["name"] for i in step.people],
            })
    return world


def _times(rng: random.Random, today: date, zone: ZoneInfo, days_ago: list[int]) -> list[datetime]:
    """Working-hours times, in order, all before today; weekends move to Friday (or Monday if that reorders)."""
    out: list[datetime] = []
    for days in days_ago:
        day = today - timedelta(days)
        if day.weekday() >= 5:
            friday, monday = day - timedelta(day.weekday() - 4), day + timedelta(7 - day.weekday())
            day = friday if not out or friday >= out[-1].date() else (monday if monday < today else day)
        at = datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))), zone)
        if out and at <= out[-1]:  # never before the previous beat of the story
            at = out[-1] + timedelta(minutes=45)
        out.append(at)
    return [a.astimezone(ZoneInfo("UTC")) for a in out]


def _workday(today: date, due_in: int) -> date:
    """Due dates on weekdays: an overdue step was due the Friday before, a later one the Monday after."""
    due = today + timedelta(due_in)
    if due_in == 0 or due.weekday() < 5:
        return due
    return due - timedelta(due.weekday() - 4) if due_in < 0 else due + timedelta(7 - due.weekday())


def _jitter(rng: random.Random, strength: float) -> float:
    return round(min(1.0, max(0.05, strength + rng.uniform(-0.08, 0.08))), 2)


def _goals(today: date) -> list[dict[str, Any]]:
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    targets = (("accounts_reaching_stage:validation", 8), ("accounts_reaching_stage:customer", 3),
               ("dmu_coverage", 75), ("average_attitude", 0.5), ("nps", 40), ("renewal_rate", 90),
               ("chatter_polarity", 0.2))
    return [{"metric": m, "period": quarter, "target": t} for m, t in targets]
