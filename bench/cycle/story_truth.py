#!/usr/bin/env python3
"""How tributary's stories compare with the farm's own, item by item.

    story_truth.py FARM_DIR DATABASE

The farm generator knows which items report one story (it wrote them from one text); this script
replays its plan for the base farm (round 0: a cold cycle's database) and reads which story
tributary put each item in (items.link -> items.story_id). It prints pair precision and recall
(two items in one tributary story that the farm wrote from two stories are a false merge), the
stories that mix several farm stories, and a few examples of each kind of mistake with their
titles and variants, so a reader can judge whether the farm or the engine is wrong.

Only the base farm: run it on the database of a cold cycle, before any mutation round.
"""
import collections
import itertools
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_farm as F  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1].strip())
    farm, database = sys.argv[1], sys.argv[2]
    with open(os.path.join(farm, "farm.json"), encoding="utf-8") as fh:
        state = json.load(fh)
    feeds = F.make_feeds(state["seed"], state["feeds"])
    items, origins = F.base_plan(state["seed"], feeds, state["now"])
    rd = F.Renderer(state["seed"], feeds, origins)
    truth = {}  # link -> (farm story, variant, title)
    for f in feeds:
        for row in items[f["i"]]:
            title, _, _, _, link = rd.item_text(f, row)
            truth[link] = (row["sid"], row["variant"], title)

    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = db.execute("SELECT link, story_id, story_reason FROM items").fetchall()
    ours = collections.defaultdict(list)  # tributary story -> [(farm story, variant, title, reason)]
    unknown = 0
    for link, story, reason in rows:
        t = truth.get(link)
        if t is None:
            unknown += 1
            continue
        ours[story].append((t[0], t[1], t[2], reason or ""))
    farm_groups = collections.Counter(t[0] for t in truth.values())

    predicted = correct = 0
    mixed = []
    by_path = collections.Counter()
    for members in ours.values():
        for a, b in itertools.combinations(members, 2):
            predicted += 1
            if a[0] == b[0]:
                correct += 1
            else:
                reason = b[3]
                by_path["url" if reason == "url" else "fingerprint" if "via=fingerprint" in reason
                        else "score" if reason.startswith("score=") else "other"] += 1
        if len({m[0] for m in members}) > 1:
            mixed.append(members)
    truth_pairs = sum(n * (n - 1) // 2 for n in farm_groups.values())
    precision = correct / predicted if predicted else 1.0
    recall = correct / truth_pairs if truth_pairs else 1.0
    print(f"{len(rows)} items ({unknown} not in the base farm), {len(ours)} tributary stories, "
          f"{len(farm_groups)} farm stories")
    print(f"pairs: precision {precision:.4f}, recall {recall:.4f} "
          f"({correct} right of {predicted} merged; {truth_pairs} in the farm)")
    print(f"tributary stories that mix farm stories: {len(mixed)}; wrong pairs by how the later item joined: "
          + ", ".join(f"{k} {v}" for k, v in by_path.most_common()))
    for members in mixed[:8]:
        print("  mixed story:")
        for sid, variant, title, reason in members[:6]:
            print(f"    farm {sid} {variant:10} {title[:70]!r}  [{reason[:90]}]")


if __name__ == "__main__":
    main()
