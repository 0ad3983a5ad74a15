"""Weighing what a record's texts name: the division the mentions agree on best.

Each mention is the set of divisions it may mean and a weight (a county's full name counts
more than a township's, a phone's area code least). A candidate scores a mention's weight when
the mention names it or a division containing it, loses it when the mention names somewhere
else, and is untouched by a mention of a division inside it. Several best candidates keep only
what they share: 东涌镇 of 南沙区 and of 汕尾市城区 give 广东省, never a guess between the two.
"""

from geo.core.divisions import Divisions

Evidence = tuple[frozenset[str], int]  # the divisions a mention may mean, and its weight


def weigh(divisions: Divisions, evidence: list[Evidence]) -> str | None:
    """The adcode the evidence best supports, or None if the best readings share nothing.

    >>> from geo.core.divisions import load_divisions
    >>> weigh(load_divisions(), [(frozenset({"440115", "441502"}), 1)])  # two 东涌镇
    '440000'
    """
    if not evidence:
        return None
    chain = divisions.chain
    covered = [frozenset(a for c in codes for a in chain(c)) for codes, _ in evidence]
    best, tied = None, []
    for candidate in set().union(*covered):
        lineage = chain(candidate)
        score = 0
        for (codes, weight), below in zip(evidence, covered, strict=True):
            if not codes.isdisjoint(lineage):
                score += weight  # it names the candidate or a division containing it
            elif candidate not in below:
                score -= weight  # it names somewhere else; inside the candidate is neutral
        if best is None or score > best:
            best, tied = score, [lineage]
        elif score == best:
            tied.append(lineage)
    # Several equally good readings: keep only what they all agree on. Between readings that
    # exclude each other, one that contains them adds nothing but width: 余杭临平 (余杭区 and
    # 临平区 tied) gives 杭州市, not 浙江省, which ties too. But 长沙 (长沙市, or its 长沙县)
    # stays the city: one reading inside another is no conflict to settle.
    finest = [t for t in tied if not any(len(o) > len(t) and o[: len(t)] == t for o in tied)]
    common: tuple[str, ...] = ()
    for level in zip(*(finest if len(finest) > 1 else tied), strict=False):
        if len(set(level)) > 1:
            break
        common += (level[0],)
    return common[-1] if common else None
