"""Statistics as text, the monthly report as XLSX, and the weekly intake chart as PNG."""

from __future__ import annotations

import io
from datetime import date
from html import escape

from bot.forms.definitions import FORMS
from bot.i18n import N_, Translator
from bot.numbers.digest import COUNT_LINE
from bot.numbers.figures import StatsData
from bot.settings import OfficeProfile
from bot.tickets.lifecycle import CONTACT_LABELS, STATUS_LABELS, outcome_labels

CHART_SIZE = (1000, 560)  # pixels

STATS_TITLE = N_("Statistics {period} (received: {total})")
BY_SERVICE = N_("By service")
BY_DISTRICT = N_("By district")
BY_STATUS = N_("By status (now)")
MEDIAN_FIRST = N_("Median business days to first staff action: {days}")
MEDIAN_RESOLVED = N_("Median business days to resolution: {days}")
REFERRALS = N_("Referrals by partner")
BY_OUTCOME = N_("Outcomes of tickets closed")
PEOPLE_AND_CASES = N_("Cases and people")
CASES = N_("Cases (each ticket received)")
PEOPLE = N_("People (each resident once)")
FOOD_SUPPORT = N_("Food support: households and people")
HOUSEHOLDS = N_("Households")
FOOD_PEOPLE = N_("People in them")
# One line counting people: 「・実人数：6人」 in Japanese.
PEOPLE_LINE = N_("・{label}: {count} people")
BY_TOPIC = N_("Consultations by topic")
CONTACTS = N_("Contacts logged by staff")
# The consultation topics, in the form's order.
TOPICS = FORMS["consultation"].step("topic").choices
NO_DATA = N_("no data")
UNKNOWN_DISTRICT = N_("Don't know")
CHART_TITLE = N_("Intake by service, last 12 weeks")
WEEK_OF = N_("Week of")
COUNT = N_("Count")
SHEET_SUMMARY = N_("Summary")
PERIOD = N_("Period")
RECEIVED = N_("Received")


def _labelled(
    stats: StatsData, t: Translator, profile: OfficeProfile
) -> list[tuple[str, list[tuple[str, int]]]]:
    """Every breakdown with human labels, in a stable order."""

    def service(key: str) -> str:
        return t.gettext(FORMS[key].title) if key in FORMS else key

    def district(key: str) -> str:
        found = profile.district(key) if key else None
        return found.name.get(t.locale) if found else t.gettext(UNKNOWN_DISTRICT)

    def partner(key: str) -> str:
        found = profile.partner(key)
        return found.name.get(t.locale) if found else key

    def topic(choice) -> str:
        return t.gettext(choice.label)

    def status(key: str) -> str:
        return t.gettext(STATUS_LABELS[key]) if key in STATUS_LABELS else key

    return [
        (t.gettext(BY_SERVICE), [(service(k), stats.by_service.get(k, 0)) for k in FORMS]),
        (
            t.gettext(BY_DISTRICT),
            sorted(
                ((district(k), n) for k, n in stats.by_district.items()),
                key=lambda kv: (-kv[1], kv[0]),
            ),
        ),
        (t.gettext(BY_STATUS), [(status(k), stats.by_status.get(k, 0)) for k in STATUS_LABELS]),
        (
            t.gettext(REFERRALS),
            sorted(
                ((partner(k), n) for k, n in stats.referrals.items()),
                key=lambda kv: (-kv[1], kv[0]),
            ),
        ),
        (
            t.gettext(BY_OUTCOME),
            [
                (label, stats.outcomes.get(key, 0))
                for key, label in outcome_labels(profile, t).items()
            ],
        ),
        (
            t.gettext(PEOPLE_AND_CASES),
            [(t.gettext(CASES), stats.total), (t.gettext(PEOPLE), stats.people)],
        ),
        (
            t.gettext(FOOD_SUPPORT),
            [
                (t.gettext(HOUSEHOLDS), stats.food_households),
                (t.gettext(FOOD_PEOPLE), stats.food_people),
            ],
        ),
        (t.gettext(BY_TOPIC), [(topic(c), stats.topics.get(c.value, 0)) for c in TOPICS]),
        (
            t.gettext(CONTACTS),
            [(t.gettext(label), stats.contacts.get(k, 0)) for k, label in CONTACT_LABELS.items()],
        ),
    ]


def _days(value: float | None, t: Translator) -> str:
    """A median for reading: one decimal, or 'no data'."""
    return t.gettext(NO_DATA) if value is None else f"{value:.1f}"


def render_stats(stats: StatsData, t: Translator, profile: OfficeProfile) -> str:
    """Statistics as a staff message (HTML)."""
    lines = [
        f"<b>{escape(t.gettext(STATS_TITLE).format(period=stats.label, total=stats.total))}</b>"
    ]
    # People are counted in people (人), everything else in cases (件).
    people = {t.gettext(PEOPLE), t.gettext(FOOD_PEOPLE)}
    for title, rows in _labelled(stats, t, profile):
        lines += ["", f"<b>{escape(title)}</b>"]
        lines += [
            escape(
                t.gettext(PEOPLE_LINE if label in people else COUNT_LINE).format(
                    label=label, count=n
                )
            )
            for label, n in rows
        ] or [escape(t.gettext(NO_DATA))]
    lines += [
        "",
        escape(t.gettext(MEDIAN_FIRST).format(days=_days(stats.median_first_action, t))),
        escape(t.gettext(MEDIAN_RESOLVED).format(days=_days(stats.median_resolution, t))),
    ]
    return "\n".join(lines)


def report_xlsx(stats: StatsData, t: Translator, profile: OfficeProfile) -> bytes:
    """The month's figures as an XLSX workbook: a summary sheet and one sheet per breakdown."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = t.gettext(SHEET_SUMMARY)[:31]
    summary.append([t.gettext(PERIOD), stats.label])
    summary.append([t.gettext(RECEIVED), stats.total])
    summary.append([t.gettext(MEDIAN_FIRST).split(":")[0], stats.median_first_action])
    summary.append([t.gettext(MEDIAN_RESOLVED).split(":")[0], stats.median_resolution])
    summary.column_dimensions["A"].width = 44
    for title, rows in _labelled(stats, t, profile):
        sheet = workbook.create_sheet(title[:31])
        sheet.append([title, t.gettext(COUNT)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for label, n in rows:
            sheet.append([label, n])
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def weekly_chart_png(weeks: list[tuple[date, dict[str, int]]], t: Translator) -> bytes:
    """A stacked bar chart of weekly intake by service, as PNG bytes of CHART_SIZE."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib_fontja  # noqa: F401 - registers a Japanese font with matplotlib
    from matplotlib.figure import Figure

    dpi = 100
    figure = Figure(figsize=(CHART_SIZE[0] / dpi, CHART_SIZE[1] / dpi), dpi=dpi)
    axes = figure.subplots()
    labels = [start.strftime("%m/%d") for start, _ in weeks]
    bottom = [0] * len(weeks)
    for key, form in FORMS.items():
        values = [counts.get(key, 0) for _, counts in weeks]
        axes.bar(labels, values, bottom=bottom, label=t.gettext(form.title))
        bottom = [b + v for b, v in zip(bottom, values, strict=False)]
    axes.set_title(t.gettext(CHART_TITLE))
    axes.set_xlabel(t.gettext(WEEK_OF))
    axes.set_ylabel(t.gettext(COUNT))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
