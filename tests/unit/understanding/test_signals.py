from collections.abc import Callable

import pytest

from domain.listening import Channel, Polarity
from domain.understanding import Reading


def signals(reading: Reading) -> set[tuple[str, str]]:
    return {(s.channel.value, s.polarity.value) for s in reading.signals}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call with Hiro from Acme went well", {("engagement", "positive")}),
        ("Tyrell not interested right now", {("engagement", "negative")}),
        ("Oscorp didn't pick up again, left a voicemail", {("engagement", "negative")}),
        ("Cyberdyne asked about SSO", {("engagement", "neutral")}),
        ("Nakatomi NPS survey came back, they gave us a 3", {("sampling", "negative")}),
        ("Tyrell CSAT results: 94% satisfied", {("sampling", "positive")}),
        ("Miles Dyson posted on LinkedIn praising our onboarding", {("chatter", "positive")}),
        ("Someone at Oscorp complained on Reddit about our outage", {("chatter", "negative")}),
        ("PO received from Massive Dynamic for 80 seats", {("purchase", "positive")}),
        ("Nakatomi won't renew unless we add SAML", {("loyalty", "negative")}),
        ("Cyberdyne is not renewing", {("loyalty", "negative")}),
        ("Katherine agreed to be a reference customer", {("loyalty", "positive")}),
        # how it went, in more of the words reps use
        ("Met Nina at Massive Dynamic - rough call, she thinks our price is out of line", {("engagement", "negative")}),
        ("Tyrell: board pushed the decision to Q3, deal on ice", {("engagement", "negative")}),
        ("Ayla shared our case study on LinkedIn w/ a nice shoutout", {("chatter", "positive")}),
        ("Hiro said on LinkedIn our scheduling tool saved his team weeks", {("chatter", "positive")}),
        ("Miles posted on Reddit that our export tool is a nightmare", {("chatter", "negative")}),
        ("Oscorp cut their order from 500 to 300 seats", {("purchase", "negative")}),
        ("Nakatomi might go to tender at renewal", {("loyalty", "negative")}),
    ],
)
def test_reads_the_channel_and_polarity_of_what_we_heard(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


def test_reads_several_signals_in_one_line(read: Callable[..., Reading]) -> None:
    reading = read("Tyrell renewed for two years and expanded to the Berlin office")
    assert signals(reading) == {("loyalty", "positive"), ("purchase", "positive")}


def test_a_wish_to_buy_is_not_a_purchase(read: Callable[..., Reading]) -> None:
    assert signals(read("Hiro wants to add 50 more seats next year")) == {("engagement", "positive")}


@pytest.mark.parametrize("text", ["Acme placed a big order for the holiday season",
                                  "Oscorp added the analytics module"])
def test_an_order_placed_in_other_words_is_a_purchase(read: Callable[..., Reading], text: str) -> None:
    assert ("purchase", "positive") in signals(read(text))


@pytest.mark.parametrize("text", ["Tyrell's PO is pending approval, expect it tomorrow",
                                  "Awaiting the signed order form from Oscorp"])
def test_an_order_still_awaited_is_not_a_purchase(read: Callable[..., Reading], text: str) -> None:
    assert all(channel != "purchase" for channel, _ in signals(read(text)))


def test_past_history_is_not_news(read: Callable[..., Reading]) -> None:
    assert signals(read("Oscorp churned last year but their new VP wants to talk again")) == {
        ("engagement", "positive")
    }


def test_our_own_commitment_does_not_colour_what_we_heard(read: Callable[..., Reading]) -> None:
    reading = read("Tyrell asked about SSO. Send them the great new pricing deck tomorrow")
    assert [(s.channel, s.polarity) for s in reading.signals] == [(Channel.ENGAGEMENT, Polarity.NEUTRAL)]


def test_reads_outbound_touches(read: Callable[..., Reading]) -> None:
    kinds = {t.kind for t in read("Demo and lunch with Tyrell, then I emailed the deck").touches}
    assert {"demo", "meeting", "email"} <= kinds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tyrell NPS 62, up from 41 last year", {("sampling", "positive")}),
        ("Cyberdyne CSAT: 71% satisfied, down from 85% in spring", {("sampling", "negative")}),
        ("Nakatomi NPS came in at 28 (was 45 in Q2)", {("sampling", "negative")}),
        ("Oscorp NPS is 55 this quarter", {("sampling", "positive")}),
        ("Acme CSAT 4.6/5 from the store managers", {("sampling", "positive")}),
        ("Miles left a 2-star review on G2 about our sync", {("chatter", "negative")}),
        ("Katherine gave us 5 stars on Capterra", {("chatter", "positive")}),
    ],
)
def test_a_score_is_read_with_its_scale_and_its_trend(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


def test_an_emoji_closing_a_clause_still_says_how_it_went(read: Callable[..., Reading]) -> None:
    assert signals(read("Coffee with Hiro from Acme today 🎉")) == {("engagement", "positive")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hiro from Acme watched the full product tour video", {("engagement", "positive")}),
        ("Katherine wants a refresher on the reporting module", {("engagement", "positive")}),
        ("QBR with Acme went really well", {("engagement", "positive")}),
        ("Tyrell's CFO wants to expand to the 4 Berlin stores", {("engagement", "positive")}),
        ("Nina saw our booth at the expo and asked for a deck", {("engagement", "positive")}),
        ("Robert says the dashboard saved them 40 hrs last month", {("engagement", "positive")}),
        ("Katherine says the alerts feature is a hit, call center volume down 20%", {("engagement", "positive")}),
        ("Hiro says churn calls dropped 15% since go-live", {("engagement", "positive")}),
        ("Nina says we're 2x the incumbent's price, not moving fwd this year", {("engagement", "negative")}),
        ("Ayla says her analysts keep getting logged out", {("engagement", "negative")}),
        ("Hiro says field crews still can't sync offline, gone back to paper", {("engagement", "negative")}),
        ("Robert asked to cancel 2 of the 5 clinic licences. ugh", {("purchase", "negative")}),
        ("Oscorp want to downgrade to the basic plan from April", {("purchase", "negative")}),
        ("Katherine is open to being a reference for other banks", {("loyalty", "positive")}),
        ("Katherine agreed to take reference calls for us", {("loyalty", "positive")}),
        ("Miles trashed us in a podcast interview", {("chatter", "negative")}),
        ("Miles complained on Xing that our SSO setup is a nightmare", {("chatter", "negative")}),
        ("Acme got a shoutout in the trade press for their app built on us", {("chatter", "positive")}),
        ("Tyrell's parent put out a press release naming us their platform of choice", {("chatter", "positive")}),
    ],
)
def test_reads_how_it_went_from_what_changed_for_them(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oscorp added 12 new outlets to the contract", {("purchase", "positive")}),
        ("Hiro asked for two refs in retail", {("engagement", "positive")}),
        ("Acme CSAT dipped to 3.2/5 after the upgrade", {("sampling", "negative")}),
        ("Robert flagged a critical vuln in our API", {("engagement", "negative")}),
        ("Nina said we're the first vendor who actually understood their process", {("engagement", "positive")}),
        ("Tyrell: lost to a cheaper competitor", {("engagement", "negative")}),
        ("Katherine asked us to present at their regional conference in May", {("loyalty", "positive")}),
        ("Cyberdyne saw a 40% drop in ticket volume after go-live", {("engagement", "positive")}),
    ],
)
def test_reads_how_it_went_in_yet_more_of_the_words_reps_use(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme's IT lead opened 3 P1 tickets, the sync API times out", {("engagement", "negative")}),
        ("Robert says the business case doesn't close at current pricing", {("engagement", "negative")}),
        ("Tyrell NPS -12 this quarter", {("sampling", "negative")}),
        ("Cyberdyne accepted our quote, waiting on their PO", {("engagement", "positive")}),
        ("Oscorp: analysts haven't logged in since Sept, adoption risk", {("engagement", "negative")}),
    ],
)
def test_reads_how_it_went_from_a_third_fresh_probe(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Katherine says they'll renew for two more years", {("engagement", "positive"), ("loyalty", "positive")}),
        ("Robert emailed: the renewal price is too steep", {("engagement", "negative"), ("loyalty", "negative")}),
        ('Hiro: "we will renew, no question"', {("engagement", "positive"), ("loyalty", "positive")}),
        # no conversation reported: the news alone
        ("Katherine agreed to be a reference customer", {("loyalty", "positive")}),
        ("Cyberdyne was mentioned in a Gartner note as a leader", {("chatter", "positive")}),
        ("Miles left a 2-star review on G2, says our sync is slow", {("chatter", "negative")}),
        ("NPS survey came back, Katherine said 9 out of 10", {("sampling", "positive")}),
    ],
)
def test_a_conversation_the_rep_reports_is_engagement_besides_its_news(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


def test_a_message_through_a_social_network_is_engagement_not_chatter(read: Callable[..., Reading]) -> None:
    assert signals(read("Pinged Hiro on LinkedIn, he replied within the hour")) == {("engagement", "positive")}


def test_praise_in_a_magazine_is_chatter(read: Callable[..., Reading]) -> None:
    assert signals(read("Acme's COO praised us in a trade magazine interview")) == {("chatter", "positive")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Initech wants to add the forecasting module for finance", {("loyalty", "positive")}),
        ("Initech keen to roll it out to two more plants", {("loyalty", "positive")}),
        ("Initech is looking at other vendors", {("loyalty", "negative")}),
        # the same words from a prospect are a buying conversation
        ("Acme wants to add the forecasting module for finance", {("engagement", "neutral")}),
        ("Acme is looking at other vendors", {("engagement", "neutral")}),
        # voiced on a call, the wish to add more is how the call went
        ("Call with Peter, happy, wants to add 2 more plants", {("engagement", "positive")}),
    ],
)
def test_an_existing_customer_wishing_to_add_or_eyeing_rivals_is_loyalty(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Initech's ops head is grumbling about the 15% uplift at renewal", {("loyalty", "negative")}),
        ("Tyrell asked to move to a multi-year deal at renewal", {("loyalty", "positive")}),
        ("Nakatomi asked about a 3-year renewal with a volume discount", {("loyalty", "positive")}),
        ("Katherine introduced us to two other banks in her network", {("loyalty", "positive")}),
    ],
)
def test_renewal_price_multi_year_terms_and_referrals_are_loyalty(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize("text", ["Tyrell says the PO will come through in January",
                                  "Oscorp PO should land next week"])
def test_an_order_announced_for_later_is_not_a_purchase(read: Callable[..., Reading], text: str) -> None:
    assert all(channel != "purchase" for channel, _ in signals(read(text)))


@pytest.mark.parametrize("text", ["TODO: send Hiro the onboarding checklist fri",
                                  "owe Robert the revised licence count before Thursday",
                                  "Tyrell - follow up w Robert in 2 wks re the integration"])
def test_a_note_that_is_only_our_to_do_reports_no_signal(read: Callable[..., Reading], text: str) -> None:
    assert signals(read(text)) == set()


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("Zoom w/ Robert. Frosty. He still blames us for the delays", "negative"),
        ("call with Hiro - he cut it short after 10 min, not the right time", "negative"),
        ("Katherine says IT has no bandwidth before April", "negative"),
        ("Robert's email about the credits is a bit spiky", "negative"),
        ("Had Katherine on Teams for 45 min, she's sold", "positive"),
        ("Katherine looped in their CFO on the thread", "positive"),
        ("Carla texted - they're going with the incumbent this year", "negative"),
    ],
)
def test_reads_how_it_went_in_more_words(read: Callable[..., Reading], text: str, polarity: str) -> None:
    assert signals(read(text)) == {("engagement", polarity)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Initech wants to bring their Cape Town office onto the platform", {("loyalty", "positive")}),
        ("Initech is happy to host a reference visit for a prospect in Q1", {("loyalty", "positive")}),
        ("Meeting with Hiro - agreed dates for the site survey", {("engagement", "positive")}),
        ("Robert needs the numbers broken down by region", {("engagement", "neutral")}),
        ("Katherine wants to reopen talks in spring", {("engagement", "positive")}),
        ("Lunch with Hiro, he raved about the new reporting", {("engagement", "positive")}),
        ("Demo to Acme's team went sideways - the integration errored twice", {("engagement", "negative")}),
        ("Oscorp signed the pilot agreement", {("engagement", "positive")}),
        ("Miles posted on LinkedIn that they miss our invoicing tool", {("chatter", "positive")}),
    ],
)
def test_words_that_look_like_another_signal_are_read_for_what_they_are(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a renewal on a condition is a risk, "renew" or not
        ("Peter at Initech: they'll only renew if we match the competitor's price", {("loyalty", "negative")}),
        ("Initech will renew provided the new POS integration ships before March", {("loyalty", "negative")}),
        ("Initech asked if we could match the competitor's price at renewal", {("loyalty", "negative")}),
        ("Initech renewed for two years, no haggling", {("loyalty", "positive")}),
        # a hedge leaves mild interest no good news; a plain informational call is neutral
        ("Hiro from Acme sounded interested, maybe, if IT capacity frees up", {("engagement", "neutral")}),
        ("Call with Nina: informational, they explained their org structure", {("engagement", "neutral")}),
        ("Robert is keen and excited, maybe a pilot in Q1", {("engagement", "positive")}),
        # the rep's own read of a mixed call wins
        ("Oscorp demo: William was polite about it but I think we're column fodder", {("engagement", "negative")}),
        ("Mixed call with Nina: liked the reporting but procurement is slow. overall positive",
         {("engagement", "positive")}),
        # more words of how it went
        ("Tyrell wants to go ahead", {("engagement", "positive")}),
        ("Nina accepted most terms", {("engagement", "positive")}),
        ("Nakatomi asked for a case study from another retailer", {("engagement", "positive")}),
        ("Ayla posted on LinkedIn how much time our app saves her team", {("chatter", "positive")}),
        ("Massive Dynamic paid the deposit on the first 3 lines", {("purchase", "positive")}),
    ],
)
def test_reads_conditions_hedges_and_the_reps_overall_read(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Initech will only extend if we add the SAP connector", {("loyalty", "negative")}),
        ("Nakatomi liked the demo but honestly I doubt they have the budget", {("engagement", "negative")}),
        ("Oscorp CTO wants a reference call with another telco", {("engagement", "positive")}),
        ("Katherine agreed to be a reference customer", {("loyalty", "positive")}),
    ],
)
def test_reads_a_conditional_extension_the_reps_doubt_and_a_reference_asked_for(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


def test_a_reference_call_asked_for_by_a_prospect_is_validation(read: Callable[..., Reading]) -> None:
    stage = read("Oscorp CTO wants a reference call with another telco").stage
    assert stage is not None and stage.stage.value == "validation"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great call with Hiro, maybe a pilot in Q1", {("engagement", "positive")}),
        ("Robert said they would renew for another year", {("loyalty", "positive"), ("engagement", "positive")}),
    ],
)
def test_a_hedged_future_or_a_plain_would_leaves_good_news_good(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert signals(read(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Renewal call with Peter: budget cut 20%, they may drop the analytics module",
         {("engagement", "negative"), ("loyalty", "negative")}),
        ("Initech renewal discussion - finance is cutting budgets",
         {("engagement", "negative"), ("loyalty", "negative")}),
        ("Initech will sunset our dispatch module unless we integrate with their ERP", {("loyalty", "negative")}),
        ("Our champion at Initech has left the company; no replacement named yet", {("loyalty", "negative")}),
        ("Initech has a new CFO who is reviewing all vendor contracts ahead of renewal", {("loyalty", "negative")}),
        ("Peter gave us a 9 on NPS and said we can use them as a case study",
         {("sampling", "positive"), ("loyalty", "positive")}),
        ("Initech offered to host a site visit for prospects", {("loyalty", "positive")}),
    ],
)
def test_a_customers_loyalty_risks_and_favours_are_loyalty(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert {(s.channel.value, s.polarity.value) for s in read(text).signals} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quick call with Peter at Initech, all good, no asks", {("engagement", "positive")}),
        ("Robert Chen says Tyrell may drop the reporting module from scope", {("engagement", "neutral")}),
        ("Robert Chen asked for a case study from their industry", {("engagement", "positive")}),
    ],
)
def test_a_routine_call_or_a_prospects_words_stay_engagement(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert {(s.channel.value, s.polarity.value) for s in read(text).signals} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Robert Chen said on a panel at FinCon that our tool saved them millions", {("chatter", "positive")}),
        ("Katherine Dubois said on stage at the summit that vendors overpromise", {("chatter", "negative")}),
        ("In a press piece, Hiro Sato said Acme loves our planning tool", {("chatter", "positive")}),
        ("heads up: Oscorp has a new CIO", set()),
        ("Peter declined to be a reference this year", {("loyalty", "negative")}),
    ],
)
def test_words_said_in_public_or_news_relayed_are_no_conversation(
    read: Callable[..., Reading], text: str, expected: set[tuple[str, str]]
) -> None:
    assert {(s.channel.value, s.polarity.value) for s in read(text).signals} == expected


def test_news_of_a_new_executive_heard_on_a_call_is_still_a_conversation(read: Callable[..., Reading]) -> None:
    assert {s.channel.value for s in read("Call with Robert Chen: Tyrell has a new CIO, wants a demo").signals} == {
        "engagement"}


@pytest.mark.parametrize(
    "text",
    ["Renewal chat with Peter - they're cutting spend and might drop two modules",
     "Initech's CFO is re-evaluating all software vendors before the renewal",
     "Peter is retiring in January and Initech hasn't named a successor",
     "Peter, our champion at Initech, is leaving end of month and there's no successor"],
)
def test_more_words_of_a_customers_loyalty_risk(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert ("loyalty", "negative") in {(s.channel.value, s.polarity.value) for s in reading.signals}
    assert reading.next_step is None


def test_a_new_executive_who_joined_is_news_not_a_call_joined(read: Callable[..., Reading]) -> None:
    reading = read("Initech: a new COO joined and wants to review every vendor contract before renewal")
    assert {(s.channel.value, s.polarity.value) for s in reading.signals} == {("loyalty", "negative")}
