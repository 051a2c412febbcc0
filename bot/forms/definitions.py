"""The council's intake forms (see SERVICES.md), declared as data."""

from __future__ import annotations

from bot.forms.model import (
    AllOf,
    Choice,
    Condition,
    Equals,
    Form,
    NotIn,
    PriorityRule,
    SameDayNeed,
    Step,
    StepKind,
)
from bot.i18n import N_

DISTRICTS = "districts"
UNKNOWN_DISTRICT = "unknown"

RECEIVED = N_("Thank you. We have received your request.")

YES_NO_UNSURE = (
    Choice("yes", N_("Yes")),
    Choice("no", N_("No")),
    Choice("unsure", N_("Not sure")),
)

# Steps asked only of someone who did not say they are under 18.
ADULT = NotIn("age_group", ("under18",))

HELP_KINDS = (
    Choice("outing", N_("Outings / guide help")),
    Choice("visits", N_("Conversation and visits")),
    Choice("housework", N_("Housework")),
    Choice("children", N_("Children's place / study help")),
    Choice("event", N_("Help at an event or facility")),
    Choice("other", N_("Other")),
)


def contact_steps(when: Condition | None = None) -> tuple[Step, ...]:
    """Returns the shared steps that ask how staff should reach the resident."""

    def also(condition: Condition) -> Condition:
        return condition if when is None else AllOf((when, condition))

    by_phone = also(Equals("contact_method", ("phone",)))
    return (
        Step(
            key="contact_method",
            kind=StepKind.CHOICE,
            label=N_("How to reach you"),
            prompt=N_("How should staff get back to you?"),
            choices=(
                Choice(
                    "chat",
                    N_("Reply in this chat"),
                    receipt=N_("Staff will reply in this chat, in office hours."),
                ),
                Choice(
                    "phone",
                    N_("Phone call"),
                    receipt=N_("Staff will call you, in office hours."),
                ),
                Choice(
                    "counter",
                    N_("I will come to the counter"),
                    receipt=N_(
                        "Please come to the counter in office hours and bring your reference "
                        "number. Staff will not call you."
                    ),
                ),
            ),
            when=when,
        ),
        Step(
            key="phone",
            kind=StepKind.PHONE,
            label=N_("Phone number"),
            prompt=N_("Please type your phone number (for example 045-123-4567 or 090-1234-5678)."),
            when=by_phone,
        ),
        Step(
            key="contact_name",
            kind=StepKind.TEXT,
            label=N_("Name for the call"),
            prompt=N_("What name should staff ask for when they call? You may skip this."),
            max_length=40,
            optional=True,
            when=by_phone,
        ),
        Step(
            key="contact_times",
            kind=StepKind.TEXT,
            label=N_("Good times to call"),
            prompt=N_(
                "When is a good time to call you? (for example: weekday mornings) You may skip this."
            ),
            max_length=100,
            optional=True,
            when=by_phone,
        ),
    )


LIVES_IN = N_("Which district do you live in? You can also type the name of your town.")
HELP_IN = N_("In which district is the help needed? You can also type the name of the town.")
ACTIVITY_IN = N_(
    "In which district does the activity take place? You can also type the name of the town."
)


def district_step(when: Condition | None = None, prompt: str = LIVES_IN) -> Step:
    """Returns the step that asks for a district: where the resident lives, or where the help
    or activity is (a facility does not live anywhere)."""
    return Step(
        key="district",
        kind=StepKind.CHOICE,
        label=N_("District"),
        prompt=prompt,
        choices_from=DISTRICTS,
        when=when,
    )


def share_step() -> Step:
    """Returns the step that asks before a request is passed to a partner (staff see the
    answer on the card; the notice says staff ask first as a rule)."""
    return Step(
        key="share",
        kind=StepKind.CHOICE,
        label=N_("Passing on to a partner"),
        prompt=N_(
            "If a partner organisation, the district council or a welfare commissioner could "
            "help, may staff pass your request on to them?"
        ),
        choices=(
            Choice("ask", N_("Ask me first")),
            Choice("yes", N_("Yes, if it helps")),
            Choice("no", N_("No, only the council")),
        ),
    )


CONSULTATION = Form(
    key="consultation",
    title=N_("Consultation"),
    intro=N_("Tell us briefly what you would like to talk about. Staff will contact you."),
    next_steps=N_("A staff member in charge of the topic you chose will read your request."),
    thanks=RECEIVED,
    steps=(
        Step(
            key="topic",
            kind=StepKind.CHOICE,
            label=N_("Topic"),
            prompt=N_("What would you like to talk about?"),
            choices=(
                Choice(
                    "anshin",
                    N_("Help using welfare services or managing money (Anshin Center)"),
                    button=N_("Anshin Center"),
                    receipt=N_(
                        "The Anshin Center will talk with you about using welfare services "
                        "and managing money."
                    ),
                ),
                Choice(
                    "loan",
                    N_("Welfare fund loans (including repaying COVID special loans)"),
                    note=N_(
                        "The loan itself is decided by the prefectural council with its own "
                        "forms. Here you can ask for a pre-consultation."
                    ),
                    button=N_("Welfare fund loans"),
                    receipt=N_(
                        "This is a request for a pre-consultation about a welfare fund loan. "
                        "Whether a loan is granted is decided by the prefectural council of "
                        "social welfare, which needs its own forms."
                    ),
                ),
                Choice(
                    "mobility",
                    N_("Going out with a disability (Mobility Information Center)"),
                    button=N_("Going out (disability)"),
                    receipt=N_(
                        "The Mobility Information Center will tell you about ways of going out "
                        "and guide volunteers."
                    ),
                ),
                Choice(
                    "hardship",
                    N_("Difficulties in daily life"),
                    receipt=N_(
                        "If needed, staff will also work with the ward office's Livelihood "
                        "Support Division."
                    ),
                ),
                Choice(
                    "children",
                    N_("Places for children, families with children in difficulty"),
                    button=N_("Children and families"),
                ),
                Choice("other", N_("Something else")),
            ),
        ),
        Step(
            key="who",
            kind=StepKind.CHOICE,
            label=N_("Who needs help"),
            prompt=N_("Who needs help?"),
            choices=(
                Choice("self", N_("Myself")),
                Choice("family", N_("A family member")),
                Choice("neighbour", N_("A neighbour")),
                Choice(
                    "professional",
                    N_("Someone I support (as a professional or welfare commissioner)"),
                    button=N_("Someone I support"),
                ),
            ),
        ),
        Step(
            key="situation",
            kind=StepKind.TEXT,
            label=N_("What is happening"),
            prompt=N_("Please tell us briefly what is happening."),
            hint=N_(
                "You need not write details such as an illness or an amount of money. "
                "Staff will ask what they need by phone or in person."
            ),
            max_length=400,
            sensitive=True,
        ),
        *contact_steps(),
        district_step(),
        share_step(),
    ),
)

FOOD_SUPPORT = Form(
    key="food",
    title=N_("Food support"),
    intro=N_("Temporary food support, arranged together with the ward office."),
    next_steps=N_(
        "Staff will coordinate with the ward office's Livelihood Support Division and talk "
        "with you about how to receive food. This request alone does not bring food."
    ),
    thanks=RECEIVED,
    steps=(
        Step(
            key="adults",
            kind=StepKind.NUMBER,
            label=N_("Adults in the household"),
            prompt=N_("How many adults live in your household? Please type a number."),
            min_value=1,
            max_value=20,
        ),
        Step(
            key="children",
            kind=StepKind.NUMBER,
            label=N_("Children in the household"),
            prompt=N_("How many children (under 18) live in your household? Type 0 if none."),
            min_value=0,
            max_value=20,
        ),
        Step(
            key="urgency",
            kind=StepKind.CHOICE,
            label=N_("How urgent"),
            prompt=N_("How much food do you have now?"),
            choices=(
                Choice("today", N_("No food for today")),
                Choice("days", N_("Enough for a few days")),
                Choice("week", N_("Enough for about a week")),
            ),
        ),
        Step(
            key="dietary",
            kind=StepKind.TEXT,
            label=N_("Allergies or dietary needs"),
            prompt=N_("Do you have any allergies or dietary needs? You may skip this."),
            max_length=200,
            optional=True,
            sensitive=True,
        ),
        Step(
            key="ward_office",
            kind=StepKind.CHOICE,
            label=N_("Already talking to the ward office"),
            prompt=N_("Are you already talking to the ward office's Livelihood Support Division?"),
            choices=YES_NO_UNSURE,
        ),
        Step(
            key="pickup",
            kind=StepKind.CHOICE,
            label=N_("Can pick up"),
            prompt=N_("Can you come to pick up the food, for example at the council's counter?"),
            choices=(Choice("yes", N_("Yes")), Choice("no", N_("No"))),
        ),
        Step(
            key="pickup_note",
            kind=StepKind.TEXT,
            label=N_("Why not"),
            prompt=N_("Please tell us briefly why you cannot come."),
            max_length=200,
            sensitive=True,
            when=Equals("pickup", ("no",)),
        ),
        Step(
            key="goods",
            kind=StepKind.CHOICE,
            label=N_("Also lacks household goods"),
            prompt=N_(
                "Do you also lack appliances or household goods (for example a refrigerator)?"
            ),
            choices=(
                Choice(
                    "yes",
                    N_("Yes"),
                    receipt=N_(
                        "Staff will also check whether donated appliances or household goods "
                        "are available. We cannot promise any item."
                    ),
                ),
                Choice("no", N_("No")),
            ),
        ),
        *contact_steps(),
        district_step(),
        share_step(),
    ),
    priority_rules=(
        PriorityRule("urgency", ("today",), "urgent"),
        PriorityRule("urgency", ("days",), "high"),
    ),
    same_day=SameDayNeed("urgency", ("today",)),
)

VOLUNTEER_REQUEST = Form(
    key="volunteer_request",
    title=N_("I need a volunteer"),
    intro=N_("Tell us what help you need. The volunteer centre will look for a volunteer."),
    next_steps=N_(
        "The volunteer centre will look for a suitable volunteer. "
        "A volunteer is not guaranteed, but we will tell you either way."
    ),
    thanks=RECEIVED,
    steps=(
        Step(
            key="requester",
            kind=StepKind.CHOICE,
            label=N_("Requester"),
            prompt=N_("Who is asking?"),
            choices=(
                Choice("individual", N_("An individual")),
                Choice("facility", N_("A facility")),
                Choice("group", N_("A group")),
                Choice("school", N_("A school")),
            ),
        ),
        Step(
            key="help_kind",
            kind=StepKind.CHOICE,
            label=N_("Kind of help"),
            prompt=N_("What kind of help do you need?"),
            choices=HELP_KINDS,
        ),
        Step(
            key="when",
            kind=StepKind.TEXT,
            label=N_("When"),
            prompt=N_("When do you need help? A date, or a regular schedule."),
            max_length=200,
        ),
        district_step(prompt=HELP_IN),
        Step(
            key="details",
            kind=StepKind.TEXT,
            label=N_("Details"),
            prompt=N_("Please describe the help you need."),
            hint=N_("You need not write details such as an illness or an amount of money."),
            max_length=400,
            sensitive=True,
        ),
        *contact_steps(),
    ),
)

VOLUNTEER_REGISTRATION = Form(
    key="volunteer_registration",
    title=N_("I want to volunteer"),
    intro=N_("Thank you for wanting to help. Tell us a little about what you would like to do."),
    next_steps=N_("The volunteer centre will talk with you about activities that suit you."),
    thanks=N_("Thank you for wanting to volunteer. We have received your registration."),
    steps=(
        Step(
            key="interests",
            kind=StepKind.MULTI,
            label=N_("Interests"),
            prompt=N_("What would you like to help with? Choose all that apply, then press Done."),
            choices=(
                *HELP_KINDS[:-1],
                Choice("disaster", N_("Disaster volunteering")),
                HELP_KINDS[-1],
            ),
        ),
        Step(
            key="availability",
            kind=StepKind.MULTI,
            label=N_("Availability"),
            prompt=N_("When are you usually free? Choose all that apply, then press Done."),
            choices=(
                Choice("weekday_day", N_("Weekday daytime")),
                Choice("weekday_evening", N_("Weekday evening")),
                Choice("weekend_day", N_("Weekend daytime")),
                Choice("weekend_evening", N_("Weekend evening")),
            ),
        ),
        district_step(),
        Step(
            key="age_group",
            kind=StepKind.CHOICE,
            label=N_("Age group"),
            prompt=N_("What is your age group?"),
            choices=(
                Choice(
                    "under18",
                    N_("Under 18"),
                    note=N_(
                        "Thank you! A parent or guardian must agree before you volunteer. "
                        "We will not ask you for more details here: staff will contact you "
                        "in this chat."
                    ),
                ),
                Choice("18_39", N_("18–39")),
                Choice("40_64", N_("40–64")),
                Choice("65_plus", N_("65 or over")),
            ),
        ),
        Step(
            key="experience",
            kind=StepKind.TEXT,
            label=N_("Experience"),
            prompt=N_("Do you have any volunteering experience? You may skip this."),
            max_length=300,
            optional=True,
            sensitive=True,
            when=ADULT,
        ),
        # Someone under 18 is routed to staff (SERVICES.md): no details or contact asked.
        *contact_steps(when=ADULT),
    ),
)

OPINION = Form(
    key="opinion",
    title=N_("Opinion or complaint"),
    intro=N_("Your opinions help us improve. You may stay anonymous."),
    next_steps=N_(
        "Your message goes to the staff in charge of opinions and complaints, and helps us improve."
    ),
    thanks=N_("Thank you for your message. We have received it."),
    steps=(
        Step(
            key="kind",
            kind=StepKind.CHOICE,
            label=N_("Kind"),
            prompt=N_("What kind of message is this?"),
            choices=(
                Choice("opinion", N_("Opinion")),
                Choice("request", N_("Request")),
                Choice("complaint", N_("Complaint")),
                Choice("thanks", N_("Thanks")),
            ),
        ),
        Step(
            key="about",
            kind=StepKind.CHOICE,
            label=N_("About"),
            prompt=N_("Which service is it about?"),
            choices=(
                Choice("consultation", N_("Consultation desks")),
                Choice("food", N_("Food support")),
                Choice("volunteer", N_("Volunteer centre")),
                Choice("district", N_("District council activities")),
                Choice("chat", N_("This chat service")),
                Choice("other", N_("Other")),
            ),
        ),
        Step(
            key="message",
            kind=StepKind.TEXT,
            label=N_("Message"),
            prompt=N_("Please write your message."),
            max_length=800,
            sensitive=True,
        ),
        Step(
            key="wants_reply",
            kind=StepKind.CHOICE,
            label=N_("Wants a reply"),
            prompt=N_("Would you like a reply? If not, your message stays anonymous."),
            choices=(
                Choice("yes", N_("Yes, please reply")),
                Choice(
                    "no",
                    N_("No, stay anonymous"),
                    receipt=N_(
                        "As you asked, there will be no reply. We did not ask for your name or "
                        "contact details. The message is still linked to your Telegram account "
                        "in our system, as the privacy notice says."
                    ),
                ),
            ),
        ),
        *contact_steps(when=Equals("wants_reply", ("yes",))),
    ),
)

GIVING = Form(
    key="giving",
    title=N_("I want to give (Goodwill Bank)"),
    intro=N_(
        "Thank you for thinking of giving. The council's Goodwill Bank takes money and goods "
        "for people in need in the ward."
    ),
    next_steps=N_(
        "Staff will contact you to arrange how to give. Nothing is collected automatically."
    ),
    thanks=N_("Thank you for your kindness. We have received your offer."),
    steps=(
        Step(
            key="gift",
            kind=StepKind.CHOICE,
            label=N_("What to give"),
            prompt=N_("What would you like to give?"),
            choices=(
                Choice("money", N_("Money")),
                Choice(
                    "food",
                    N_("Food"),
                    receipt=N_(
                        "Food with a best-before date is welcome once staff have confirmed it."
                    ),
                ),
                Choice("goods", N_("Household goods or appliances"), button=N_("Goods")),
                Choice("other", N_("Other")),
            ),
        ),
        Step(
            key="description",
            kind=StepKind.TEXT,
            label=N_("Description"),
            prompt=N_(
                "Please describe briefly what you would like to give. (Photos cannot be sent yet.)"
            ),
            max_length=300,
        ),
        Step(
            key="giver",
            kind=StepKind.CHOICE,
            label=N_("Giver"),
            prompt=N_("Are you giving as an individual, or as a company or group?"),
            choices=(
                Choice("individual", N_("An individual")),
                Choice("organisation", N_("A company or group")),
            ),
        ),
        *contact_steps(),
        district_step(),
    ),
)

HOUSEHOLD_GOODS = Form(
    key="household_goods",
    title=N_("Household goods and appliances"),
    intro=N_(
        "The council passes on donated appliances and household goods to households that need them."
    ),
    next_steps=N_(
        "Staff will check whether donated items are available and contact you. We cannot "
        "promise any item."
    ),
    thanks=RECEIVED,
    steps=(
        Step(
            key="for_whom",
            kind=StepKind.CHOICE,
            label=N_("For whom"),
            prompt=N_("Which household needs the items?"),
            choices=(
                Choice("self", N_("My own household")),
                Choice(
                    "supported",
                    N_("A household I support (as a professional or welfare commissioner)"),
                    button=N_("A household I support"),
                ),
            ),
        ),
        Step(
            key="items",
            kind=StepKind.MULTI,
            label=N_("Items needed"),
            prompt=N_("What is needed? Choose all that apply, then press Done."),
            choices=(
                Choice("fridge", N_("Refrigerator")),
                Choice("washer", N_("Washing machine")),
                Choice("kitchen", N_("Rice cooker or microwave")),
                Choice("heating", N_("Heater or fan")),
                Choice("furniture", N_("Furniture or bedding")),
                Choice("other", N_("Other")),
            ),
        ),
        Step(
            key="household",
            kind=StepKind.NUMBER,
            label=N_("People in the household"),
            prompt=N_("How many people live in the household? Please type a number."),
            min_value=1,
            max_value=20,
        ),
        Step(
            key="situation",
            kind=StepKind.TEXT,
            label=N_("Situation"),
            prompt=N_("Please tell us briefly why the items are needed. You may skip this."),
            hint=N_("You need not write details such as an illness or an amount of money."),
            max_length=300,
            optional=True,
        ),
        *contact_steps(),
        district_step(),
        share_step(),
    ),
)

DISASTER_RELIEF = Form(
    key="disaster_relief",
    title=N_("Fire or flood damage (relief payment)"),
    intro=N_(
        "For households whose home was damaged by a fire, strong wind or flood. If there is "
        "a fire now, call 119."
    ),
    next_steps=N_(
        "Staff will check with the partner bodies whether the relief payment applies. Whether "
        "it is paid is not decided in this chat."
    ),
    thanks=RECEIVED,
    steps=(
        Step(
            key="cause",
            kind=StepKind.CHOICE,
            label=N_("What happened"),
            prompt=N_("What happened to your home?"),
            choices=(
                Choice("fire", N_("Fire")),
                Choice("wind", N_("Strong wind")),
                Choice("flood", N_("Flood")),
                Choice("other", N_("Other")),
            ),
        ),
        Step(
            key="happened_on",
            kind=StepKind.TEXT,
            label=N_("When it happened"),
            prompt=N_("When did it happen? (for example: 28 November)"),
            max_length=100,
        ),
        Step(
            key="damage",
            kind=StepKind.TEXT,
            label=N_("Damage to the home"),
            prompt=N_("Please describe the damage to your home briefly."),
            max_length=300,
            sensitive=True,
        ),
        Step(
            key="household",
            kind=StepKind.NUMBER,
            label=N_("People in the household"),
            prompt=N_("How many people live in the household? Please type a number."),
            min_value=1,
            max_value=20,
        ),
        Step(
            key="certificate",
            kind=StepKind.CHOICE,
            label=N_("Damage certificate"),
            prompt=N_(
                "Do you have a damage certificate or report from the ward office or fire station?"
            ),
            choices=YES_NO_UNSURE,
        ),
        *contact_steps(),
        district_step(),
        share_step(),
    ),
    default_priority="high",
)

GROUPS = Form(
    key="groups",
    title=N_("Groups, schools and facilities"),
    intro=N_(
        "For groups, schools and facilities: grants, meeting rooms, welfare education and "
        "district council matters."
    ),
    next_steps=N_("The staff member in charge of this will read your request."),
    thanks=RECEIVED,
    steps=(
        Step(
            key="organisation",
            kind=StepKind.TEXT,
            label=N_("Organisation"),
            prompt=N_("What is the name of your group, school or facility?"),
            max_length=100,
        ),
        Step(
            key="matter",
            kind=StepKind.CHOICE,
            label=N_("Matter"),
            prompt=N_("What is it about?"),
            choices=(
                Choice(
                    "grant",
                    N_("Grants (Fureai grant, year-end mutual aid fund)"),
                    button=N_("Grants"),
                    receipt=N_(
                        "Grants follow the council's guidelines and deadlines; staff will "
                        "tell you about them."
                    ),
                ),
                Choice(
                    "room",
                    N_("Using a room at the welfare and health activity base"),
                    button=N_("Meeting rooms"),
                ),
                Choice(
                    "education",
                    N_("Welfare education (equipment loan, lecturers, programme planning)"),
                    button=N_("Welfare education"),
                ),
                Choice("district", N_("District council matters")),
                Choice("other", N_("Something else")),
            ),
        ),
        Step(
            key="request",
            kind=StepKind.TEXT,
            label=N_("What and when"),
            prompt=N_("What would you like, and when?"),
            max_length=300,
        ),
        Step(
            key="contact_person",
            kind=StepKind.TEXT,
            label=N_("Contact person"),
            prompt=N_("Who is the contact person?"),
            max_length=40,
        ),
        *contact_steps(),
        district_step(prompt=ACTIVITY_IN),
    ),
)

FORMS: dict[str, Form] = {
    form.key: form
    for form in (
        CONSULTATION,
        FOOD_SUPPORT,
        VOLUNTEER_REQUEST,
        VOLUNTEER_REGISTRATION,
        OPINION,
        GIVING,
        HOUSEHOLD_GOODS,
        DISASTER_RELIEF,
        GROUPS,
    )
}
