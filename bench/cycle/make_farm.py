#!/usr/bin/env python3
"""Writes a farm of N news feeds for the whole-cycle benchmark (Python 3 standard library only).

    make_farm.py --out DIR --feeds N [--seed S] [--now EPOCH] --base-url http://127.0.0.1:PORT [--hosts H]
    make_farm.py --out DIR --mutate FRACTION --round K [--base-url URL [--hosts H]]

The first form writes
    DIR/feeds/fNNNNN.{rss,atom,xml}   the documents (the root nginx serves)
    DIR/urls.txt                      the feed URLs, one a line (newsboat -u)
    DIR/feeds.conf                    a tributary configuration: database and merged feed under DIR/tributary/
    DIR/farm.json                     the parameters and what the farm holds (items, stories, bytes, ...)

With --hosts H (default 1) the feed URLs are spread round-robin over H addresses: feed i is on the
base URL's IPv4 address plus (i mod H), so with http://127.0.0.1:PORT/p on 127.0.0.1 ... 127.0.0.H
(all loopback on Linux; the server must listen on each), with the same port and path.

The farm: 60% RSS 2.0, 25% Atom 1.0, 15% RSS 1.0 (RDF); a fifth of the feeds in Arabic (two in five
of those served as windows-1256, declared in the XML declaration), the rest French or English;
15-40 items a feed, descriptions of 200-1500 characters, some with content:encoded HTML; dates
spread over the last ten days before --now (each feed has its own pace, so about two thirds of
the items fall within 72 hours). About 45% of items belong to stories carried by 2-5 feeds, so
about 30% are republications of a story another feed carries: the same text under another link,
a new headline, a lightly reworded lead, a rewritten lead, or the first link with tracking
parameters. Links are unique in each feed.

The second form applies mutation rounds 1..K (each rewrites round(FRACTION*N) feeds chosen from
the seed: 1-3 new items on top, as many old ones dropped, one older item's text edited) and
rewrites only the documents whose bytes change; it reads the seed, N and --now from farm.json.
Everything is a function of (seed, N, now, FRACTION, K): two runs write the same bytes.
"""

import argparse
import datetime as dt
import email.utils
import ipaddress
import json
import os
import random
import sys
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import farm_text as T  # noqa: E402

FORMAT_SHARES = (("rss", 0.60), ("atom", 0.25), ("rdf", 0.15))
ARABIC_SHARE = 0.20
CP1256_SHARE = 0.40          # of the Arabic feeds
SHARED_SHARE = 0.45          # items in a story that 2-5 feeds carry (so ~30% are republications)
CHUNK_SIZES = ((2, 45), (3, 30), (4, 15), (5, 10))   # feeds per shared story, weights
VARIANTS = (("identical", 40), ("retitled", 20), ("light", 15), ("rewritten", 15), ("aggregator", 10))
EXTENSION = {"rss": "rss", "atom": "atom", "rdf": "xml"}
ROUND_SECONDS = 60           # new items of round K are dated within (now + (K-1) min, now + K min]
TEN_DAYS = 10 * 86400


# ----------------------------------------------------------------------------------------------
# The plan: feeds, their items (seq, time, story, variant, edits), no text yet
# ----------------------------------------------------------------------------------------------

def exact_mix(rng, n, shares):
    """A shuffled list of n labels in the given shares, exact up to rounding."""
    labels = []
    for i, (label, share) in enumerate(shares):
        count = n - len(labels) if i == len(shares) - 1 else round(n * share)
        labels += [label] * count
    rng.shuffle(labels)
    return labels


def make_feeds(seed, n):
    mix = random.Random(f"{seed}/mix")
    formats = exact_mix(mix, n, FORMAT_SHARES)
    langs = exact_mix(mix, n, (("ar", ARABIC_SHARE), ("fr", (1 - ARABIC_SHARE) / 2), ("en", (1 - ARABIC_SHARE) / 2)))
    arabic = [i for i in range(n) if langs[i] == "ar"]
    legacy = set(mix.sample(arabic, round(len(arabic) * CP1256_SHARE)))
    feeds = []
    for i in range(n):
        r = random.Random(f"{seed}/feed/{i}")
        lang, fmt = langs[i], formats[i]
        if lang == "ar":
            a, b = r.randrange(len(T.AR_SITE_A)), r.randrange(len(T.AR_SITE_B))
            title = f"{T.AR_SITE_A[a]} {T.AR_SITE_B[b]}"
            domain = f"{T.AR_SITE_LATIN_A[a]}-{T.AR_SITE_LATIN_B[b]}-{i}.ma"
            authors = [f"{r.choice(T.AR_FIRST)[0]} {r.choice(T.AR_LAST)}" for _ in range(r.randint(2, 8))]
        else:
            site_a, site_b = (T.FR_SITE_A, T.FR_SITE_B) if lang == "fr" else (T.EN_SITE_A, T.EN_SITE_B)
            a, b = r.randrange(len(site_a)), r.randrange(len(site_b))
            title = f"{site_a[a]} {site_b[b]}"
            slug = "".join(c for c in f"{site_a[a]}{site_b[b]}".lower() if c.isascii() and c.isalnum())
            domain = f"{slug}-{i}.{'ma' if r.random() < 0.6 else 'com'}"
            authors = [f"{r.choice(T.FR_FIRST)} {r.choice(T.FR_LAST)}" for _ in range(r.randint(2, 8))]
        encoding = "windows-1256" if i in legacy else "UTF-8"
        style = r.choices(["short", "medium", "long"], weights=[30, 45, 25])[0]
        if r.random() >= 0.8:
            authors = []
        n_items = r.randint(15, 40)
        # The mean gap between items: 30 minutes to a day, log-uniform, and the whole feed within ten days.
        lo, hi = 30 * 60, 24 * 3600
        gap = min(lo * (hi / lo) ** r.random(), TEN_DAYS / n_items)
        feeds.append({
            "i": i, "name": f"f{i:05d}", "lang": lang, "format": fmt, "encoding": encoding,
            "title": title, "domain": domain, "authors": authors, "n": n_items, "gap": gap,
            "desc": {"short": (200, 450), "medium": (450, 900), "long": (900, 1500)}[style],
            "html_desc": r.random() < 0.6,
            "cdata": encoding == "UTF-8" and r.random() < 0.7,
            "content": r.random() < {"rss": 0.45, "atom": 0.35, "rdf": 0.2}[fmt],
            "footer": fmt == "rss" and r.random() < 0.3,
            "images": r.random() < 0.5,
            "guid": r.choices(["id", "permalink", "none"], weights=[50, 30, 20])[0],
            "tz": r.choice(["+0000", "+0100", "GMT"]),
            "ortho": lang == "ar" and r.random() < 0.3,             # writes alef without hamza, uses tatweel
            "indic": lang == "ar" and encoding == "UTF-8" and r.random() < 0.15,   # Arabic-Indic digits
        })
    return feeds


def group_stories(rng, slots, first_id):
    """Groups the shared slots of one language (sorted by time) into stories of 2-5 feeds.
    slots: [(t, feed, seq)]. Returns {(feed, seq): (story id, variant)}, {story id: (feed, seq)} (the
    first publication, whose link aggregator-style copies reuse) and the next free story id."""
    assignment, origins = {}, {}
    sizes, size_weights = zip(*CHUNK_SIZES)
    names, name_weights = zip(*VARIANTS)
    next_id = first_id
    pos = 0
    while pos < len(slots):
        size = rng.choices(sizes, weights=size_weights)[0]
        chunk = slots[pos:pos + size]
        pos += size
        seen = set()
        members = []
        for slot in chunk:
            if slot[1] in seen:
                continue                      # one feed carries a story once; the extra slot stays its own
            seen.add(slot[1])
            members.append(slot)
        if len(members) < 2:
            continue
        sid = next_id
        next_id += 1
        origins[sid] = (members[0][1], members[0][2])
        assignment[(members[0][1], members[0][2])] = (sid, "origin")
        for slot in members[1:]:
            assignment[(slot[1], slot[2])] = (sid, rng.choices(names, weights=name_weights)[0])
    return assignment, origins, next_id


def base_plan(seed, feeds, now):
    """Every feed's items before any mutation: {feed index: [item, ...] newest first}, origins."""
    items = {}
    shared = {"ar": [], "fr": [], "en": []}
    pick = random.Random(f"{seed}/shared")
    for f in feeds:
        r = random.Random(f"{seed}/times/{f['i']}")
        t = now - r.uniform(0, f["gap"])
        rows = []
        for seq in range(f["n"]):
            rows.append({"seq": seq, "t": int(t), "sid": None, "variant": "origin", "edits": 0})
            t -= r.expovariate(1.0 / f["gap"])
        items[f["i"]] = rows                              # newest first: seq 0 is the newest
        for row in rows:
            if pick.random() < SHARED_SHARE:
                shared[f["lang"]].append((row["t"], f["i"], row["seq"]))
    assignment, origins = {}, {}
    next_id = 0
    for lang in ("ar", "fr", "en"):
        slots = sorted(shared[lang])
        a, o, next_id = group_stories(random.Random(f"{seed}/stories/{lang}"), slots, next_id)
        assignment.update(a)
        origins.update(o)
    for f in feeds:
        for row in items[f["i"]]:
            hit = assignment.get((f["i"], row["seq"]))
            if hit:
                row["sid"], row["variant"] = hit
            else:
                row["sid"] = next_id
                next_id += 1
    return items, origins


def apply_round(seed, feeds, items, origins, now, fraction, k):
    """Mutation round k, in place. Returns (mutated feed indices, new items, edited items)."""
    r = random.Random(f"{seed}/round/{k}")
    mutated = sorted(r.sample(range(len(feeds)), round(fraction * len(feeds))))
    base_time = now + (k - 1) * ROUND_SECONDS
    shared = {"ar": [], "fr": [], "en": []}
    fresh = []
    edited = 0
    for i in mutated:
        rows = items[i]
        m = r.choice([1, 1, 2, 2, 3])
        next_seq = max(row["seq"] for row in rows) + 1
        times = sorted((base_time + r.randint(1, ROUND_SECONDS - 1) for _ in range(m)), reverse=True)
        new_rows = [{"seq": next_seq + j, "t": t, "sid": None, "variant": "origin", "edits": 0}
                    for j, t in enumerate(reversed(times))]
        new_rows.reverse()                                 # newest first, the highest seq on top
        old = rows[:len(rows) - m]                         # the m oldest drop off
        target = old[r.randrange(len(old))]
        target["edits"] += 1
        edited += 1
        items[i] = new_rows + old
        for row in new_rows:
            fresh.append((i, row))
            if r.random() < SHARED_SHARE:
                shared[feeds[i]["lang"]].append((row["t"], i, row["seq"]))
    next_id = 10_000_000 * k                               # story ids of round k, apart from the others
    assignment = {}
    for lang in ("ar", "fr", "en"):
        a, o, next_id = group_stories(random.Random(f"{seed}/round/{k}/stories/{lang}"), sorted(shared[lang]), next_id)
        assignment.update(a)
        origins.update(o)
    for i, row in fresh:
        hit = assignment.get((i, row["seq"]))
        if hit:
            row["sid"], row["variant"] = hit
        else:
            row["sid"] = next_id
            next_id += 1
    return mutated, len(fresh), edited


# ----------------------------------------------------------------------------------------------
# Text of one item, then the documents
# ----------------------------------------------------------------------------------------------

INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
CONNECTING = set("بتثجحخسشصضطظعغفقكلمنهي")


def tatweel(text):
    """Stretches the first long enough word (a kashida after its second letter), as some sites do."""
    words = text.split(" ")
    for n, w in enumerate(words):
        if len(w) >= 5 and w[1] in CONNECTING and w[2] in CONNECTING:
            words[n] = w[:2] + "ـ" + w[2:]
            break
    return " ".join(words)


def reword(lang, text, rng):
    """A light rewording: swaps one or two known phrases, else drops the sentence's last clause."""
    swaps = [(a, b) for a, b in T.SYNONYMS[lang] if a in text]
    if not swaps:
        cut = max(text.rfind("،"), text.rfind(","))
        return text[:cut] + "." if cut > len(text) // 2 else text
    for a, b in rng.sample(swaps, min(len(swaps), rng.randint(1, 2))):
        text = text.replace(a, b, 1)
    return text


class Renderer:
    def __init__(self, seed, feeds, origins):
        self.seed, self.feeds, self.origins = seed, feeds, origins
        self.story_cache = {}

    def story(self, sid, lang):
        s = self.story_cache.get(sid)
        if s is None:
            if len(self.story_cache) > 20000:
                self.story_cache.clear()
            s = T.COMPOSE[lang](random.Random(f"{self.seed}/story/{sid}"))
            self.story_cache[sid] = s
        return s

    def link(self, f, seq, section):
        return f"https://www.{f['domain']}/{section}/{f['i'] * 1000 + seq}.html"

    def item_text(self, f, row):
        """Title, lead paragraphs and body sentences of one item, as this feed writes them."""
        s = self.story(row["sid"], f["lang"])
        r = random.Random(f"{self.seed}/variant/{f['i']}/{row['seq']}")
        v = row["variant"]
        title = s["headline"] if v in ("origin", "identical", "aggregator") else s["alt"]
        lead = list(s["lead"])
        if v == "light":
            lead[0] = reword(f["lang"], lead[0], r)
        elif v == "rewritten":
            lead = list(s["lead_alt"])
        body = list(s["body"])
        if f["ortho"]:
            title, lead, body = tatweel(title.translate(HAMZA)), [tatweel(p.translate(HAMZA)) for p in lead], \
                [p.translate(HAMZA) for p in body]
        if f["indic"]:
            title, lead, body = title.translate(INDIC), [p.translate(INDIC) for p in lead], [p.translate(INDIC) for p in body]
        section = T.SECTIONS[s["category"]]
        if v == "aggregator":
            of, oseq = self.origins[row["sid"]]
            link = (self.link(self.feeds[of], oseq, section) +
                    f"?utm_source={f['name']}&utm_medium=rss&utm_campaign=feed")
        else:
            link = self.link(f, row["seq"], section)
        return title, lead, body, s, link

    def render_item_parts(self, f, row):
        title, lead, body, s, link = self.item_text(f, row)
        r = random.Random(f"{self.seed}/item/{f['i']}/{row['seq']}")
        lo, hi = f["desc"]
        target = r.randint(lo, hi)
        text = " ".join(lead)
        for sentence in body:
            if len(text) >= target:
                break
            text += " " + sentence
        if len(text) > hi:
            cut = text.rfind(" ", 0, hi - 4)
            text = text[:cut] + " […]"
        note = T.UPDATE_NOTE[f["lang"]].format(k=row["edits"]) if row["edits"] else ""
        if note:
            text += " " + note
        image = (f"https://www.{f['domain']}/media/{2025 + row['seq'] % 2}/{f['i'] * 1000 + row['seq']}.jpg"
                 if f["images"] else "")
        if f["html_desc"]:
            desc = ""
            if image and r.random() < 0.5:
                desc += f'<img src="{image}" width="300" height="200" alt="" />'
            desc += f"<p>{esc(text)}</p>"
            if f["footer"]:
                desc += "<p>" + esc(T.FOOTER[f["lang"]]).format(
                    title=f'<a href="{esc(link)}">{esc(title)}</a>',
                    site=f'<a href="https://www.{f["domain"]}/">{esc(f["title"])}</a>') + "</p>"
        else:
            desc = text                      # plain text (every field here is escaped for XML when written)
        content = ""
        if f["content"]:
            paras = [esc(p) for p in lead]
            k = 0
            while k < len(body):
                step = r.randint(2, 3)
                paras.append(esc(" ".join(body[k:k + step])))
                k += step
            html = [f"<p><strong>{paras[0]}</strong></p>"]
            if image:
                html.append(f'<figure><img src="{image}" alt="{esc(title)}" width="800" height="450" />'
                            f"<figcaption>{esc(s['tags'][0])}</figcaption></figure>")
            for n, p in enumerate(paras[1:]):
                if n == 2 and r.random() < 0.4:
                    html.append(f"<blockquote><p>{p}</p></blockquote>")
                else:
                    html.append(f"<p>{p}</p>")
            html.append(f'<p><a href="https://www.{f["domain"]}/tag/{esc(s["tags"][0])}">'
                        f"{esc(T.READ_MORE[f['lang']])}</a></p>")
            if note:
                html.append(f"<p><em>{esc(note)}</em></p>")
            content = "".join(html)
        author = r.choice(f["authors"]) if f["authors"] else ""
        return {"title": title, "link": link, "desc": desc, "content": content, "author": author,
                "category": s["category"], "tags": s["tags"], "image": image}


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def rfc822(t, tz):
    if tz == "GMT":
        return email.utils.formatdate(t, usegmt=True)
    offset = dt.timezone(dt.timedelta(hours=1)) if tz == "+0100" else dt.timezone.utc
    return email.utils.format_datetime(dt.datetime.fromtimestamp(t, offset))


def rfc3339(t, tz):
    if tz == "+0100":
        return dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=1))).isoformat()
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def html_field(f, html):
    """An HTML field of an RSS document: CDATA (WordPress style) or entity-escaped."""
    return f"<![CDATA[{html}]]>" if f["cdata"] else esc(html)


def render_feed(rd, f, rows):
    lang_tag = {"ar": "ar-MA", "fr": "fr-FR", "en": "en-GB"}[f["lang"]]
    home = f"https://www.{f['domain']}/"
    newest = max(row["t"] + 600 * row["edits"] for row in rows)
    desc_line = {"ar": f"آخر أخبار {f['title']}", "fr": f"Toute l'actualité — {f['title']}",
                 "en": f"Latest news from {f['title']}"}[f["lang"]]
    out = [f'<?xml version="1.0" encoding="{f["encoding"]}"?>\n']
    parts = [(row, rd.render_item_parts(f, row)) for row in rows]
    if f["format"] == "rss":
        out.append('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n'
                   f"<title>{esc(f['title'])}</title>\n<link>{home}</link>\n<description>{esc(desc_line)}</description>\n"
                   f"<language>{lang_tag}</language>\n<lastBuildDate>{rfc822(newest, f['tz'])}</lastBuildDate>\n"
                   "<generator>farm/1.0</generator>\n")
        for row, p in parts:
            out.append(f"<item>\n<title>{esc(p['title'])}</title>\n<link>{esc(p['link'])}</link>\n")
            if p["author"]:
                out.append(f"<dc:creator>{html_field(f, p['author'])}</dc:creator>\n")
            out.append(f"<pubDate>{rfc822(row['t'], f['tz'])}</pubDate>\n")
            out.append(f"<category>{html_field(f, p['category'])}</category>\n")
            for tag in p["tags"]:
                out.append(f"<category>{html_field(f, tag)}</category>\n")
            if f["guid"] == "id":
                out.append(f'<guid isPermaLink="false">{f["domain"]}-{f["i"] * 1000 + row["seq"]}</guid>\n')
            elif f["guid"] == "permalink":
                out.append(f"<guid>{esc(p['link'])}</guid>\n")
            desc = html_field(f, p["desc"]) if f["html_desc"] else esc(p["desc"])
            out.append(f"<description>{desc}</description>\n")
            if p["content"]:
                out.append(f"<content:encoded>{html_field(f, p['content'])}</content:encoded>\n")
            if p["image"]:
                out.append(f'<media:content url="{p["image"]}" medium="image" type="image/jpeg" />\n')
            out.append("</item>\n")
        out.append("</channel>\n</rss>\n")
    elif f["format"] == "atom":
        out.append(f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang_tag}">\n'
                   f"<title>{esc(f['title'])}</title>\n<subtitle>{esc(desc_line)}</subtitle>\n"
                   f"<id>{home}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{home}\" />\n"
                   f"<link rel=\"self\" href=\"{home}feed.atom\" />\n"
                   f"<updated>{rfc3339(newest, f['tz'])}</updated>\n<generator>farm/1.0</generator>\n")
        for row, p in parts:
            ident = (f"tag:{f['domain']},2025:{f['i'] * 1000 + row['seq']}" if f["guid"] != "permalink" else p["link"])
            out.append(f"<entry>\n<title type=\"text\">{esc(p['title'])}</title>\n"
                       f"<link rel=\"alternate\" type=\"text/html\" href=\"{esc(p['link'])}\" />\n<id>{esc(ident)}</id>\n"
                       f"<published>{rfc3339(row['t'], f['tz'])}</published>\n"
                       f"<updated>{rfc3339(row['t'] + 600 * row['edits'], f['tz'])}</updated>\n")
            if p["author"]:
                out.append(f"<author><name>{esc(p['author'])}</name></author>\n")
            out.append(f"<category term=\"{esc(p['category'])}\" />\n")
            kind = "html" if f["html_desc"] else "text"
            out.append(f"<summary type=\"{kind}\">{esc(p['desc'])}</summary>\n")
            if p["content"]:
                out.append(f"<content type=\"html\">{esc(p['content'])}</content>\n")
            out.append("</entry>\n")
        out.append("</feed>\n")
    else:
        out.append('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
                   f"<channel rdf:about=\"{home}rss.rdf\">\n<title>{esc(f['title'])}</title>\n<link>{home}</link>\n"
                   f"<description>{esc(desc_line)}</description>\n<dc:language>{lang_tag}</dc:language>\n"
                   f"<dc:date>{rfc3339(newest, f['tz'])}</dc:date>\n<items>\n<rdf:Seq>\n")
        for row, p in parts:
            out.append(f"<rdf:li rdf:resource=\"{esc(p['link'])}\" />\n")
        out.append("</rdf:Seq>\n</items>\n</channel>\n")
        for row, p in parts:
            out.append(f"<item rdf:about=\"{esc(p['link'])}\">\n<title>{esc(p['title'])}</title>\n"
                       f"<link>{esc(p['link'])}</link>\n<description>{esc(p['desc'])}</description>\n")
            if p["author"]:
                out.append(f"<dc:creator>{esc(p['author'])}</dc:creator>\n")
            out.append(f"<dc:date>{rfc3339(row['t'], f['tz'])}</dc:date>\n<dc:subject>{esc(p['category'])}</dc:subject>\n")
            if p["content"]:
                out.append(f"<content:encoded>{esc(p['content'])}</content:encoded>\n")
            out.append("</item>\n")
        out.append("</rdf:RDF>\n")
    text = "".join(out)
    # Strict: every character the farm writes exists in windows-1256 (Arabic, French accents, « » …).
    return text.encode("cp1256" if f["encoding"] == "windows-1256" else "utf-8")


# ----------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------

def feed_file(f):
    return f"{f['name']}.{EXTENSION[f['format']]}"


def write_if_changed(path, data):
    try:
        with open(path, "rb") as old:
            if old.read() == data:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)       # nginx never serves half a document
    return True


def host_bases(base_url, hosts):
    """The base URL of each of the farm's hosts: base_url itself for one host, else base_url with its
    IPv4 address replaced by that address plus 0 ... hosts-1 (port and path kept)."""
    base_url = base_url.rstrip("/")
    if hosts == 1:
        return [base_url]
    parts = urllib.parse.urlsplit(base_url)
    try:
        first = ipaddress.IPv4Address(parts.hostname or "")
    except ValueError:
        raise ValueError(f"--hosts {hosts} needs an IPv4 address in --base-url, not {parts.hostname!r}") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError("--hosts: --base-url must not hold a user name or password")
    if int(first) % 256 + hosts - 1 > 254:
        raise ValueError(f"--hosts {hosts} from {first}: the last address would go past .254 of its /24")
    port = f":{parts.port}" if parts.port is not None else ""
    return [urllib.parse.urlunsplit(parts._replace(netloc=f"{first + k}{port}")) for k in range(hosts)]


def write_lists(out, feeds, base_url, concurrency, hosts=1):
    bases = host_bases(base_url, hosts)

    def url(f):
        return f"{bases[f['i'] % hosts]}/{feed_file(f)}"

    with open(os.path.join(out, "urls.txt"), "w", encoding="utf-8") as urls:
        for f in feeds:
            urls.write(f"{url(f)}\n")
    if hosts == 1:
        spread, where, per_host = "", "on 127.0.0.1", "the whole farm is one host"
    else:
        first, last = (urllib.parse.urlsplit(b).hostname for b in (bases[0], bases[-1]))
        spread = f", round-robin over {hosts} hosts"
        where = f"on {first} ... {last}"
        per_host = f"the farm is {hosts} hosts; as max_concurrent, so never the limit"
    with open(os.path.join(out, "feeds.conf"), "w", encoding="utf-8") as conf:
        conf.write(f"""# Written by bench/cycle/make_farm.py: {len(feeds)} feeds on one local nginx{spread}.
[daemon]
database = tributary/tributary.db
listen = 127.0.0.1:0
allow_private = yes              # the farm is {where}
max_concurrent = {concurrency}               # transfers in flight; newsboat gets reload-threads {concurrency}
max_per_host = {concurrency}                 # {per_host}
min_host_spacing = 0

[output merged]
path = tributary/merged.xml
url = /merged.xml
title = Bench farm
max_items = 100

""")
        for f in feeds:
            conf.write(f"[feed {f['name']}]\nurl = {url(f)}\ntags = {f['lang']}\n\n")


def census(feeds, items, now):
    """What the farm holds now, for farm.json and the benchmark's sanity lines."""
    sids = set()
    count = shared = recent = 0
    variants, by_lang = {}, {}
    for f in feeds:
        for row in items[f["i"]]:
            count += 1
            key = f["lang"] + ("/windows-1256" if f["encoding"] != "UTF-8" else "")
            by_lang[key] = by_lang.get(key, 0) + 1
            sids.add(row["sid"])
            if row["variant"] != "origin":
                variants[row["variant"]] = variants.get(row["variant"], 0) + 1
                shared += 1
            if row["t"] >= now - 72 * 3600:
                recent += 1
    return {"items": count, "stories": len(sids), "republications": shared, "republications_by_kind": variants,
            "items_within_72h": recent, "items_by_language": dict(sorted(by_lang.items()))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="farm directory (created)")
    ap.add_argument("--feeds", type=int, help="number of feeds")
    ap.add_argument("--seed", default=None, help="any string (default 1)")
    ap.add_argument("--now", type=int, help="reference time, Unix seconds (default: now, rounded down to the hour)")
    ap.add_argument("--base-url", help="where the farm is served, e.g. http://127.0.0.1:8081")
    ap.add_argument("--hosts", type=int, metavar="H",
                    help="spread the feed URLs round-robin over H addresses from --base-url's on (default 1; "
                         "with --mutate: the farm's)")
    ap.add_argument("--concurrency", type=int, default=16, help="tributary max_concurrent/max_per_host (default 16)")
    ap.add_argument("--mutate", type=float, metavar="FRACTION", help="rewrite this fraction of feeds per round")
    ap.add_argument("--round", type=int, metavar="K", help="the mutation round to bring the farm to (1, 2, ...)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    if args.hosts is not None and args.hosts < 1:
        ap.error("--hosts H: H >= 1")
    if args.hosts is not None and not args.base_url:
        ap.error("--hosts goes with --base-url")
    out = args.out
    state_path = os.path.join(out, "farm.json")
    started = time.monotonic()

    if args.mutate is not None or args.round is not None:
        if args.mutate is None or args.round is None or args.round < 1 or not 0 < args.mutate <= 1:
            ap.error("--mutate FRACTION (0 < FRACTION <= 1) and --round K (K >= 1) go together")
        with open(state_path, encoding="utf-8") as fh:
            state = json.load(fh)
        for name, given in (("seed", args.seed), ("feeds", args.feeds), ("now", args.now)):
            if given is not None and str(given) != str(state[name]):
                ap.error(f"--{name} {given} differs from the farm's ({state[name]}); omit it")
        seed, n, now = state["seed"], state["feeds"], state["now"]
        if state.get("mutate") not in (None, args.mutate):
            ap.error(f"the farm was mutated with FRACTION {state['mutate']}; rounds must use the same")
        feeds = make_feeds(seed, n)
        items, origins = base_plan(seed, feeds, now)
        touched = set()
        last = None
        for k in range(1, max(args.round, state.get("round", 0)) + 1):
            if k <= args.round:
                mutated, fresh, edited = apply_round(seed, feeds, items, origins, now, args.mutate, k)
                touched.update(mutated)
                last = {"round": k, "mutated": len(mutated), "new_items": fresh, "edited_items": edited}
            else:
                # rounds beyond K were applied before: their feeds go back to round K's state
                r = random.Random(f"{seed}/round/{k}")
                touched.update(r.sample(range(n), round(args.mutate * n)))
        rd = Renderer(seed, feeds, origins)
        written = 0
        for i in sorted(touched):
            f = feeds[i]
            written += write_if_changed(os.path.join(out, "feeds", feed_file(f)), render_feed(rd, f, items[i]))
        now_items = census(feeds, items, now)
        rounds = state.setdefault("rounds", {})
        rounds[str(args.round)] = dict(last, census=now_items)
        state.update({"mutate": args.mutate, "round": args.round, "now_items": now_items})
        if args.base_url:
            hosts = args.hosts if args.hosts is not None else state.get("hosts", 1)
            try:
                write_lists(out, feeds, args.base_url, args.concurrency, hosts)
            except ValueError as e:
                ap.error(str(e))
        with open(state_path, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False, indent=1)
        if not args.quiet:
            print(f"make_farm: round {args.round}: {last['mutated']} feeds mutated, {last['new_items']} new items, "
                  f"{last['edited_items']} edited; {written} documents rewritten in {time.monotonic() - started:.1f}s")
        return

    if not args.feeds or args.feeds < 1:
        ap.error("--feeds N is required")
    if not args.base_url:
        ap.error("--base-url is required (urls.txt and feeds.conf name the farm's URLs)")
    hosts = args.hosts if args.hosts is not None else 1
    try:
        host_bases(args.base_url, hosts)
    except ValueError as e:
        ap.error(str(e))
    seed = args.seed if args.seed is not None else "1"
    now = args.now if args.now is not None else int(time.time()) // 3600 * 3600
    n = args.feeds
    os.makedirs(os.path.join(out, "feeds"), exist_ok=True)
    feeds = make_feeds(seed, n)
    items, origins = base_plan(seed, feeds, now)
    rd = Renderer(seed, feeds, origins)
    raw = gz = 0
    by = {}
    for f in feeds:
        data = render_feed(rd, f, items[f["i"]])
        write_if_changed(os.path.join(out, "feeds", feed_file(f)), data)
        raw += len(data)
        gz += len(zlib.compress(data, 1)) + 18       # nginx's default gzip_comp_level is 1
        key = f"{f['format']}/{f['lang']}/{f['encoding']}"
        by[key] = by.get(key, 0) + 1
    write_lists(out, feeds, args.base_url, args.concurrency, hosts)
    state = {"seed": seed, "feeds": n, "now": now, "base_url": args.base_url, "round": 0,
             "bytes": raw, "gzip_bytes": gz, "feeds_by_kind": dict(sorted(by.items())),
             "base_items": census(feeds, items, now)}
    if hosts > 1:
        state["hosts"] = hosts                       # absent: one host (farm.json as before --hosts)
    state["now_items"] = state["base_items"]
    state["rounds"] = {"0": {"round": 0, "census": state["base_items"]}}
    with open(state_path, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False, indent=1)
    if not args.quiet:
        c = state["base_items"]
        print(f"make_farm: {n} feeds, {c['items']} items, {c['stories']} stories, {c['republications']} republications, "
              f"{c['items_within_72h']} items within 72h; {raw / 1e6:.1f} MB, {gz / 1e6:.1f} MB gzipped; "
              f"{time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
