"""Datasets: ``demo`` (a few hundred contacts, deals in open stages associated with contacts,
for ``make run``) and ``contacts`` (N contacts written straight into the table: 100,000 in about
a second, for benchmarks). Seeding queues no webhook events."""

from __future__ import annotations

import random

FIRST = ["Ava", "Liam", "Mia", "Noah", "Emma", "Oliver", "Sofia", "Elijah", "Isla", "Lucas",
         "Chloe", "Mateo", "Zoe", "Ethan", "Nora", "Arjun", "Hana", "Kwame", "Ines", "Yuki"]
LAST = ["Smith", "Garcia", "Chen", "Müller", "O'Brien", "Okafor", "Rossi", "Kowalski", "Nguyen",
        "Silva", "Johansson", "Patel", "Dubois", "Tanaka", "Haddad", "Murphy", "Novak", "Costa"]
OPEN_STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
               "decisionmakerboughtin", "contractsent"]


def seed_contacts(state, portal, contacts: int = 1000, same_ms: bool = False,
                  spacing_ms: int = 1, start_ms: int | None = None,
                  domain: str = "example.com", **_ignored) -> dict:
    """``contacts`` new contacts, modified ``spacing_ms`` apart (or all in one millisecond, like
    a bulk import), ending a minute ago so an incremental window sees them."""
    n = int(contacts)
    now = state.now_ms()
    start = int(start_ms) if start_ms is not None else now - 60_000 - (0 if same_ms else n * spacing_ms)
    table = portal.objects["contacts"]
    first_id = portal.next_id["contacts"]
    nf, nl = len(FIRST), len(LAST)
    for i in range(n):
        rid = first_id + i
        at = start if same_ms else start + i * spacing_ms
        table[rid] = {"id": rid, "props": {"email": f"contact{rid}@{domain}",
                                           "firstname": FIRST[i % nf],
                                           "lastname": LAST[(i // nf) % nl]},
                      "created": at, "updated": at, "archived_at": None, "merged_into": None}
    portal.next_id["contacts"] = first_id + n
    portal.version += 1
    portal.members += 1
    return {"contacts": n, "first_id": str(first_id), "last_id": str(first_id + n - 1)}


def seed_demo(state, portal, contacts: int = 300, deals: int = 8, seed: int = 42,
              **_ignored) -> dict:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    now = state.now_ms()
    made = []
    for i in range(int(contacts)):
        at = now - rng.randint(3600, 90 * 86400) * 1000 - rng.randint(0, 999)
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        rec = portal.insert("contacts", {
            "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.com"
                     .replace("'", "").replace("ü", "ue"),
            "firstname": first, "lastname": last, "phone": f"+1555{i:07d}",
            "company": rng.choice(["Acme Corporation", "Globex", "Initech", "Umbrella Health"]),
            "lifecyclestage": rng.choice(["lead", "customer"])}, at)
        rec["created"] = at - rng.randint(0, 86400) * 1000
        made.append(rec)
    for i in range(int(deals)):
        at = now - rng.randint(600, 30 * 86400) * 1000
        stage = OPEN_STAGES[i % len(OPEN_STAGES)]
        deal = portal.insert("deals", {
            "dealname": f"{rng.choice(['Annual plan', 'Expansion', 'Pilot', 'Renewal'])} "
                        f"#{1001 + i}", "dealstage": stage, "pipeline": "default",
            "amount": str(rng.choice([1200, 5000, 18000, 42000])),
            "closedate": f"2026-12-{10 + i % 18:02d}T00:00:00Z",
            "hs_is_closed": "false", "hs_is_closed_won": "false"}, at)
        for contact in rng.sample(made, k=min(len(made), 1 + i % 2)):
            portal.associate(deal["id"], contact["id"], "Decision maker" if i % 3 == 0 else None)
    return {"contacts": len(made), "deals": int(deals)}
