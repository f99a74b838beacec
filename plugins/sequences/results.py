"""Survey results: NPS, CSAT, the response funnel, trends and breakdowns, from aggregate queries.

Every figure comes from a handful of GROUP BY queries whose result size depends on the number of
sequences, sources and weeks, never on the number of responses, so the dashboard makes the same
number of queries for 10 responses as for 100,000 (``tests/sequences/test_results.py``,
``benchmarks/dashboard.py``).

Definitions (README "Results"):

- A period is whole days, ``start`` to ``end`` inclusive, in the site's time zone (UTC).
- NPS counts the NPS responses *answered* in the period: promoters score 9-10, passives 7-8,
  detractors 0-6; NPS = % promoters - % detractors, rounded half away from zero (-100..100).
- CSAT is the average of the CSAT (1-5) responses answered in the period.
- The funnel follows the sendings *sent* in the period: how many of them were opened (the survey
  link was visited) and answered, whenever that happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from plugins.sequences.models import Response, Sending, Sequence, Survey

NPS, CSAT = Survey.Kind.NPS, Survey.Kind.CSAT
BANDS = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}
BAND_LABELS = {"promoter": "Promoter", "passive": "Passive", "detractor": "Detractor"}


def band_of(kind: str, score: int) -> str:
    """The NPS band of a score (``""`` for CSAT)."""
    if kind != NPS:
        return ""
    return next(band for band, (low, high) in BANDS.items() if low <= score <= high)


@dataclass(frozen=True)
class Filters:
    """What a results page shows: a period, and optionally one band, sequence or source."""

    start: date
    end: date
    band: str = ""
    sequence_id: str = ""
    source: str = ""

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first instant after the period (its last day is included)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def responses(filters: Filters):
    """The responses a filter selects (answered in the period), newest first."""
    qs = Response.objects.filter(answered_at__gte=filters.start_at,
                                 answered_at__lt=filters.end_before)
    if filters.sequence_id:
        qs = qs.filter(sending__sequence_id=filters.sequence_id)
    if filters.source:
        qs = qs.filter(sending__source=filters.source)
    if filters.band:
        low, high = BANDS[filters.band]
        qs = qs.filter(survey__kind=NPS, score__gte=low, score__lte=high)
    return qs.order_by("-answered_at", "-id")


def sent_sendings(filters: Filters):
    qs = Sending.objects.filter(sent_at__gte=filters.start_at, sent_at__lt=filters.end_before)
    if filters.sequence_id:
        qs = qs.filter(sequence_id=filters.sequence_id)
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs


# --- Scores ------------------------------------------------------------------------------------


@dataclass
class Scores:
    """NPS and CSAT of a set of responses, from counts per score."""

    nps_counts: list[int] = field(default_factory=lambda: [0] * 11)  # index = score 0..10
    csat_counts: list[int] = field(default_factory=lambda: [0] * 5)  # index = score - 1

    def add(self, kind: str, score: int, count: int) -> None:
        if kind == NPS and 0 <= score <= 10:
            self.nps_counts[score] += count
        elif kind == CSAT and 1 <= score <= 5:
            self.csat_counts[score - 1] += count

    @property
    def nps_total(self) -> int:
        return sum(self.nps_counts)

    @property
    def promoters(self) -> int:
        return sum(self.nps_counts[9:11])

    @property
    def passives(self) -> int:
        return sum(self.nps_counts[7:9])

    @property
    def detractors(self) -> int:
        return sum(self.nps_counts[0:7])

    @property
    def promoter_percent(self) -> int:
        return percent(self.promoters, self.nps_total)

    @property
    def passive_percent(self) -> int:
        return percent(self.passives, self.nps_total)

    @property
    def detractor_percent(self) -> int:
        return percent(self.detractors, self.nps_total)

    @property
    def nps(self) -> int | None:
        if not self.nps_total:
            return None
        exact = Decimal(100 * (self.promoters - self.detractors)) / Decimal(self.nps_total)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def csat_total(self) -> int:
        return sum(self.csat_counts)

    @property
    def csat(self) -> Decimal | None:
        """The average CSAT score, one decimal."""
        if not self.csat_total:
            return None
        weighted = sum(score * n for score, n in enumerate(self.csat_counts, start=1))
        return (Decimal(weighted) / Decimal(self.csat_total)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def total(self) -> int:
        return self.nps_total + self.csat_total


def percent(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Funnel:
    sent: int = 0
    opened: int = 0
    answered: int = 0

    @property
    def opened_percent(self) -> int:
        return percent(self.opened, self.sent)

    @property
    def answered_percent(self) -> int:
        return percent(self.answered, self.sent)


@dataclass
class Breakdown:
    """One row of a breakdown table: a source or a sequence."""

    key: str
    label: str
    scores: Scores = field(default_factory=Scores)
    funnel: Funnel = field(default_factory=Funnel)
    query: str = ""  # the responses page's query string for this row (set by the view)


@dataclass
class WeekPoint:
    week: date  # the Monday starting the week
    scores: Scores = field(default_factory=Scores)


@dataclass
class Summary:
    filters: Filters
    scores: Scores
    funnel: Funnel
    by_source: list[Breakdown]
    by_sequence: list[Breakdown]
    weeks: list[WeekPoint]


def summarize(filters: Filters) -> Summary:
    """Every figure of the dashboard in three aggregate queries (plus the names of the org's
    sequences and the kinds of its surveys): grouped by ids only, so PostgreSQL hashes narrow
    keys instead of sorting every response by sequence name."""
    kinds = dict(Survey.objects.values_list("id", "kind"))
    names = dict(Sequence.objects.values_list("id", "name"))
    scores = Scores()
    sources = {value: Breakdown(value, label) for value, label in Sending.Source.choices}
    sequences: dict[str, Breakdown] = {}

    def sequence_row(pk) -> Breakdown:
        return sequences.setdefault(str(pk), Breakdown(str(pk), names.get(pk, "?")))

    # 1. Responses in the period by source, sequence, survey and score.
    grouped = (responses(filters).order_by()
               .values_list("sending__source", "sending__sequence_id", "survey_id", "score")
               .annotate(n=Count("id")))
    for source, sequence_id, survey_id, score, n in grouped:
        kind = kinds.get(survey_id)
        scores.add(kind, score, n)
        if source in sources:
            sources[source].scores.add(kind, score, n)
        sequence_row(sequence_id).scores.add(kind, score, n)

    # 2. The funnel of the sendings sent in the period, by source and sequence.
    funnel = Funnel()
    if not filters.band:  # a score band selects responses; the funnel has no band
        rows = (sent_sendings(filters).order_by()
                .values_list("source", "sequence_id")
                .annotate(sent=Count("id"),
                          opened=Count("id", filter=Q(opened_at__isnull=False)),
                          answered=Count("id", filter=Q(completed_at__isnull=False))))
        for source, sequence_id, sent, opened, answered in rows:
            for target in (funnel, sources[source].funnel if source in sources else Funnel(),
                           sequence_row(sequence_id).funnel):
                target.sent += sent
                target.opened += opened
                target.answered += answered

    # 3. Week by week.
    weeks = {monday: WeekPoint(monday) for monday in mondays(filters.start, filters.end)}
    by_week = (responses(filters).order_by()
               .annotate(week=TruncWeek("answered_at"))
               .values_list("week", "survey_id", "score").annotate(n=Count("id")))
    for week, survey_id, score, n in by_week:
        monday = timezone.localtime(week).date() if isinstance(week, datetime) else week
        weeks.setdefault(monday, WeekPoint(monday)).scores.add(kinds.get(survey_id), score, n)

    return Summary(filters=filters, scores=scores, funnel=funnel,
                   by_source=list(sources.values()),
                   by_sequence=sorted(sequences.values(), key=lambda b: b.label.lower()),
                   weeks=[weeks[k] for k in sorted(weeks)])


def mondays(start: date, end: date) -> list[date]:
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def latest(filters: Filters, limit: int = 10) -> list[Response]:
    """The newest answers with their contact, sequence and survey (one query)."""
    return list(responses(filters).select_related("contact", "survey", "sending__sequence")
                [:limit])
