"""Bulk API 2.0 query jobs: ``POST /jobs/query``, job info polls that complete after a number of
polls you control (or fail with an injected message), results as CSV pages by locator, abort,
delete and list.

The rows are snapshotted when the job is created (as Salesforce does); result pages are
``maxRecords`` rows with a stable base64 offset locator (``Sforce-Locator``, the string ``null``
at the end), values in Bulk's CSV forms: every value quoted, empty for null, ``true``/``false``,
``2024-05-09T03:04:32.000Z`` date-times, ISO dates.
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from . import rest
from .clock import fmt_rest
from .soql import SoqlError, _getter, _select, compile_query, index
from .web import Response, json_response, sf_error

STATES = ("UploadComplete", "InProgress", "JobComplete")
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}


@dataclass
class BulkConfig:
    in_progress_polls: int = 1  # polls answered InProgress before JobComplete
    fail_with: str | None = None  # the next job ends Failed with this errorMessage
    default_max_records: int = 50_000


@dataclass
class Job:
    id: str
    operation: str
    object: str
    query: str
    version: str
    created: datetime
    delimiter: str = ","
    line_ending: str = "\n"
    state: str = "UploadComplete"
    polls: int = 0
    error: str = ""
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    pages_served: int = 0

    def info(self, cfg: BulkConfig) -> dict:
        out = {"id": self.id, "operation": self.operation, "object": self.object,
               "createdById": "", "createdDate": fmt_rest(self.created),
               "systemModstamp": fmt_rest(self.created), "state": self.state,
               "concurrencyMode": "Parallel", "contentType": "CSV",
               "apiVersion": float(self.version), "jobType": "V2Query",
               "lineEnding": "LF" if self.line_ending == "\n" else "CRLF",
               "columnDelimiter": next(k for k, v in DELIMITERS.items() if v == self.delimiter),
               "numberRecordsProcessed": len(self.rows) if self.state == "JobComplete" else 0,
               "retries": 0, "totalProcessingTime": 0}
        if self.error:
            out["errorMessage"] = self.error
        return out


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return fmt_rest(value).replace("+0000", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _job(state, job_id):
    return state.bulk_jobs.get(job_id)


@rest.api("bulk_query_create")
def create(state, req, version):
    body = req.json()
    if not isinstance(body, dict) or not body.get("query"):
        return sf_error(400, "INVALIDJOB", "InvalidJob : query is required")
    operation = body.get("operation")
    if operation not in ("query", "queryAll"):
        return sf_error(400, "INVALIDJOB", f"InvalidJob : invalid operation {operation!r}")
    delimiter = DELIMITERS.get(body.get("columnDelimiter") or "COMMA")
    if delimiter is None or body.get("lineEnding", "LF") not in ("LF", "CRLF"):
        return sf_error(400, "INVALIDJOB", "InvalidJob : bad columnDelimiter or lineEnding")
    try:
        plan = compile_query(body["query"])
        if plan.count or plan.subqueries:
            return sf_error(400, "INVALIDJOB", "InvalidJob : aggregate queries and subqueries "
                            "are not supported by Bulk API 2.0")
        with state.lock:
            rows = _snapshot(state, plan, operation == "queryAll")
    except SoqlError as exc:
        return sf_error(400, exc.code, exc.message)
    with state.lock:
        job = Job(state.ids.new("750"), operation, plan.obj.name, body["query"], version,
                  state.clock.now(), delimiter,
                  "\r\n" if body.get("lineEnding") == "CRLF" else "\n",
                  header=[".".join(h.name if i == len(hops) - 1 else h.relationship_name
                                   for i, h in enumerate(hops)) for hops in plan.columns],
                  rows=rows)
        if state.bulk.fail_with:
            job.error, state.bulk.fail_with = state.bulk.fail_with, None
        state.bulk_jobs[job.id] = job
        return json_response(job.info(state.bulk))


def _snapshot(state, plan, include_deleted: bool) -> list[tuple]:
    getters = [_getter(hops) for hops in plan.columns]
    plan_rows = execute_rows(plan, state.store, include_deleted)
    return [tuple(get(state.store, rec) for get in getters) for rec in plan_rows]


def execute_rows(plan, store, include_deleted):
    """The matching records (not serialized): the executor without JSON."""
    rows, presorted = index.candidates(plan, store.tables[plan.obj.name], store.index)
    return _select(plan, store, rows, include_deleted, presorted)


@rest.api("bulk_query_info")
def info(state, req, version, job_id):
    with state.lock:
        job = _job(state, job_id)
        if job is None:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        if req.method == "DELETE":
            if job.state not in ("JobComplete", "Failed", "Aborted"):
                return sf_error(400, "INVALIDJOBSTATE", "The job is not in a terminal state")
            del state.bulk_jobs[job_id]
            return Response(204)
        if req.method == "PATCH":
            if (req.json() or {}).get("state") != "Aborted" or job.state in (
                    "JobComplete", "Failed", "Aborted"):
                return sf_error(400, "INVALIDJOBSTATE", "Only an open job can be aborted")
            job.state = "Aborted"
            return json_response(job.info(state.bulk))
        if job.state in ("UploadComplete", "InProgress"):
            job.polls += 1
            if job.error:
                job.state = "Failed"
            elif job.polls > state.bulk.in_progress_polls:
                job.state = "JobComplete"
            else:
                job.state = "InProgress"
        return json_response(job.info(state.bulk))


@rest.api("bulk_query_results")
def results(state, req, version, job_id):
    with state.lock:
        job = _job(state, job_id)
        if job is None:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        if job.version != version:
            return sf_error(409, "INVALIDVERSION", "Use the API version of the job")
        if job.state != "JobComplete":
            return sf_error(412, "JOB_NOT_COMPLETE", "can only download query results of "
                            "successfully completed bulk job. Job state: " + job.state)
        try:
            limit = int(req.query.get("maxRecords") or state.bulk.default_max_records)
            locator = req.query.get("locator")
            start = int(base64.b64decode(locator).decode()) if locator else 0
        except ValueError:
            return sf_error(400, "INVALIDLOCATOR", "Invalid locator or maxRecords")
        if limit <= 0 or start < 0 or start > len(job.rows):
            return sf_error(400, "INVALIDLOCATOR", "Invalid locator or maxRecords")
        chunk = job.rows[start:start + limit]
        job.pages_served += 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=job.delimiter, lineterminator=job.line_ending,
                        quoting=csv.QUOTE_ALL)
    writer.writerow(job.header)
    writer.writerows([csv_value(v) for v in row] for row in chunk)
    end = start + len(chunk)
    next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rows) else "null"
    return Response(200, out.getvalue().encode("utf-8"), {
        "Content-Type": "text/csv", "Sforce-Locator": next_locator,
        "Sforce-NumberOfRecords": str(len(chunk))})


@rest.api("bulk_query_list")
def listing(state, req, version):
    with state.lock:
        jobs = [j.info(state.bulk) for j in state.bulk_jobs.values()]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


_V = rest._V
ROUTES = [
    ("POST", _V + r"/jobs/query/?", create),
    ("GET", _V + r"/jobs/query/?", listing),
    ("GET|PATCH|DELETE", _V + r"/jobs/query/(?P<job_id>750\w+)/?", info),
    ("GET", _V + r"/jobs/query/(?P<job_id>750\w+)/results/?", results),
]
