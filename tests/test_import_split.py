"""Cutting run-together digits: only the single reading that the sums allow is accepted."""
from gxxl.ingest.split import Token, candidates, group_checks, sum_row_candidates


def toks(*parts, fixed=False):
    return [Token(p, "num", fixed) for p in parts]


def texts(c):
    return [t.text for t in c]


def test_row_total_decides_the_cut():
    cs, cut = sum_row_candidates(toks("15130000154"), 7)
    assert cut and cs.unique and texts(cs[0]) == ["151", "3", "0", "0", "0", "0", "154"]


def test_printed_spaces_are_boundaries():
    cs, _ = sum_row_candidates(toks("230", "000023"), 7)
    assert cs.unique and texts(cs[0]) == ["23", "0", "0", "0", "0", "0", "23"]
    cs, _ = sum_row_candidates(toks("23", "0", "00", "0", "023"), 7)
    assert cs.unique and texts(cs[0]) == ["23", "0", "0", "0", "0", "0", "23"]


def test_printed_cells_are_taken_as_printed_even_if_the_total_is_wrong():
    cs, cut = sum_row_candidates(toks("1", "0", "0", "0", "0", "0", "5"), 7)
    assert not cut and cs.unique and texts(cs[0]) == ["1", "0", "0", "0", "0", "0", "5"]


def test_ambiguous_rows_have_several_readings():
    cs, _ = sum_row_candidates(toks("270020130"), 7)  # 27 0 0 2 0 1 30 or 2 7 0 0 20 1 30 …
    assert len(cs) > 1
    assert ["27", "0", "0", "2", "0", "1", "30"] in [texts(c) for c in cs]
    cs, _ = candidates(toks("6233440"), 3)  # table 2 has no sum: 62 33 440, 623 3 440, …
    assert len(cs) > 1 and ["62", "33", "440"] in [texts(c) for c in cs]


def test_leading_zeros_force_cuts():
    cs, _ = candidates(toks("000"), 3)
    assert cs.unique and texts(cs[0]) == ["0", "0", "0"]
    cs, _ = candidates(toks("05"), 1)
    assert len(cs) == 0  # "05" is not one number


def test_group_sums_split_table_4():
    partial, _ = group_checks(5, 4)
    cs, cut = candidates(toks("21317000001324019"), 15, partial_ok=partial)
    assert cut and cs.unique
    assert texts(cs[0]) == "2 1 3 1 7 0 0 0 0 0 13 2 4 0 19".split()


def test_fixed_cells_and_blanks_are_never_cut():
    row = [Token("26", "num", True)] + [Token("", "blank", True)] * 5 + [Token("26", "num", True)]
    cs, cut = candidates(row, 7)
    assert not cut and cs.unique and cs[0] == row
    padded = [Token("", "blank", True)] * 2 + toks("0", "0", "0", "0", "0", "0", "0", fixed=True)
    cs, _ = candidates(padded, 7)  # filler cells of merged label columns
    assert cs.unique and texts(cs[0]) == ["0"] * 7


def test_huge_searches_are_ambiguous_not_guessed():
    cs, _ = sum_row_candidates(toks("98765432198765432123456789"), 7)
    assert not cs.unique
