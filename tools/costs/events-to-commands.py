"""Turns `tools/ledger export` JSON Lines (one event a line) back into `ingest` command lines:
the event type becomes the command name, seq/ts/postings/hash are dropped, and the events of an
atomic group (a roll with its settlements; "group" on the first) become one "atomic" line. Used to
make the input of docs/performance.md "Ingest parsing":

    tools/ledger export --db sim.db --out events.jsonl
    python3 tools/costs/events-to-commands.py < events.jsonl > commands.jsonl
"""
import json, sys
TYPES = {"DEPOSITED":"deposit","WITHDRAWN":"withdraw","HOUSE_FUNDED":"fund_house","GAME_OPENED":"open_game",
         "BET_PLACED":"place_bet","DICE_ROLLED":"roll","BET_SETTLED":"settle","GAME_CLOSED":"close_game"}
DROP = {"seq","ts","type","postings","hash","group","key"}
out = sys.stdout
pending = None; left = 0; gkey = None
for line in sys.stdin:
    e = json.loads(line)
    c = {"type": TYPES[e["type"]]}
    c.update({k: v for k, v in e.items() if k not in DROP})
    if left == 0 and e.get("group", 1) > 1:
        pending = []; left = e["group"]; gkey = e.get("key")
    if left > 0:
        pending.append(c); left -= 1
        if left == 0:
            g = {"type": "atomic"}
            if gkey: g["key"] = gkey
            g["commands"] = pending
            out.write(json.dumps(g, separators=(",", ":")) + "\n")
        continue
    if e.get("key"): c = {"type": c["type"], "key": e["key"], **{k: v for k, v in c.items() if k != "type"}}
    out.write(json.dumps(c, separators=(",", ":")) + "\n")
