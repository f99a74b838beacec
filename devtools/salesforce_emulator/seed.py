"""Deterministic demo data: users, accounts, contacts (fast enough for 100,000), opportunities
with contact roles."""

import random
from datetime import date, timedelta

from .schema import OBJECTS, ROLES, STAGES

FIRST = ["Ava", "Liam", "Mia", "Noah", "Emma", "Oliver", "Sofia", "Elijah", "Isla", "Lucas",
         "Chloe", "Mateo", "Zoe", "Ethan", "Nora", "Arjun", "Hana", "Kwame", "Ines", "Yuki",
         "Sean", "Priya", "Omar", "Lena", "Diego", "Freya", "Tariq", "Elena", "Jonas", "Amara"]
LAST = ["Smith", "Garcia", "Chen", "Müller", "O'Brien", "Okafor", "Rossi", "Kowalski", "Nguyen",
        "Silva", "Johansson", "Patel", "Dubois", "Tanaka", "Haddad", "Murphy", "Novak", "Costa",
        "Schmidt", "Ivanova", "Kim", "Ahmed", "Larsen", "Moreau", "Fischer", "Reyes"]
TITLES = ["CEO", "VP Sales", "Head of Support", "Customer Success Manager", "CTO",
          "Operations Lead", "Procurement Manager", None]
ACCOUNTS = [("Acme Corporation", "Manufacturing"), ("Globex", "Technology"),
            ("Initech", "Technology"), ("Umbrella Health", "Healthcare"),
            ("Stark Retail", "Retail"), ("Wayne Finance", "Finance")]
REPS = [("Sam", "Seller", "sam.seller@acme-demo.example"),
        ("Rita", "Rep", "rita.rep@acme-demo.example")]


def _template(obj_name: str) -> dict:
    return {f.name: (False if f.type == "boolean" else None)
            for f in OBJECTS[obj_name].fields.values()}


def seed_demo(state, contacts: int = 300, accounts: int = 5, opportunities: int = 8,
              seed: int = 42) -> dict:
    """Insert the dataset directly into the tables (no change hooks, so no outbound messages)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    store, now = state.store, state.clock.now()
    tables, new_id = store.tables, store.ids.new

    def insert(obj_name: str, template: dict, values: dict, age_days: float) -> dict:
        stamp = now - timedelta(seconds=int(age_days * 86400))
        rec = dict(template)
        rec.update(Id=new_id(OBJECTS[obj_name].prefix), CreatedDate=stamp,
                   LastModifiedDate=stamp, SystemModstamp=stamp)
        rec.update(values)
        tables[obj_name][rec["Id"]] = rec
        return rec

    users = [state.config.user_id]
    tpl = _template("User")
    for first, last, email in REPS:
        users.append(insert("User", tpl, {"Username": email, "FirstName": first, "LastName": last,
                                          "Name": f"{first} {last}", "Email": email,
                                          "IsActive": True}, 400)["Id"])
    tpl = _template("Account")
    account_ids = []
    for i in range(accounts):
        name, industry = ACCOUNTS[i % len(ACCOUNTS)]
        name = name if i < len(ACCOUNTS) else f"{name} {i // len(ACCOUNTS) + 1}"
        domain = name.split()[0].lower() + (str(i) if i >= len(ACCOUNTS) else "") + ".example"
        account_ids.append(insert("Account", tpl, {
            "Name": name, "Industry": industry, "Website": f"https://{domain}",
            "Phone": f"+1 555 01{i:02d}", "OwnerId": users[i % len(users)]}, 200 + i)["Id"])

    tpl = _template("Contact")
    by_account: dict[str, list[str]] = {a: [] for a in account_ids}
    for i in range(contacts):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        account = account_ids[i % len(account_ids)] if account_ids and i % 10 else None
        nps = float(rng.randint(0, 10)) if i % 3 == 0 else None
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
        rec = insert("Contact", tpl, {
            "FirstName": first, "LastName": last, "Name": f"{first} {last}",
            "Email": f"{local}.{i}@example.com" if i % 17 else None,
            "Phone": f"+1 555 {1000 + i % 9000}", "Title": TITLES[i % len(TITLES)],
            "AccountId": account, "OwnerId": users[i % len(users)], "NPS_Score__c": nps,
            "Score_Formula__c": None if nps is None else nps * 10,
            "Last_Survey_Date__c": date(2024, 1, 1) + timedelta(days=i % 300) if nps else None,
        }, rng.uniform(0, 30))
        if account:
            by_account[account].append(rec["Id"])

    tpl, role_tpl = _template("Opportunity"), _template("OpportunityContactRole")
    roles = 0
    for i in range(opportunities if account_ids else 0):
        account = account_ids[i % len(account_ids)]
        stage, closed, won = STAGES[(i * 3) % len(STAGES)] if i > 1 else STAGES[5]
        people = by_account[account][i % 3 : i % 3 + 1 + i % 3] if i % 5 != 4 else []
        primary = people[0] if people and i % 4 != 3 else None
        opp = insert("Opportunity", tpl, {
            "Name": f"{ACCOUNTS[i % len(ACCOUNTS)][0]} - Deal {i + 1}", "StageName": stage,
            "IsClosed": closed, "IsWon": won, "Amount": float(5000 * (i + 1)),
            "CloseDate": date(2024, 6, 1) + timedelta(days=7 * i), "AccountId": account,
            "ContactId": primary if i % 6 != 5 else None, "OwnerId": users[i % len(users)],
        }, 10 - i * 0.5)
        for j, contact in enumerate(people):
            insert("OpportunityContactRole", role_tpl, {
                "OpportunityId": opp["Id"], "ContactId": contact, "Role": ROLES[j % len(ROLES)],
                "IsPrimary": contact == primary}, 10 - i * 0.5)
            roles += 1
    return {"users": len(users), "accounts": len(account_ids), "contacts": contacts,
            "opportunities": len(tables["Opportunity"]), "contact_roles": roles}
