"""Edge betweenness footfall proxy."""

import networkx as nx
import numpy as np
import pytest

from gis.priority.footfall import edge_betweenness, node_ids
from tests.priority._builders import frame, line


def _two_squares_with_bridge():
    def square(x0):
        c = [(x0, 0), (x0 + 100, 0), (x0 + 100, 100), (x0, 100)]
        return [line(c[i], c[(i + 1) % 4]) for i in range(4)]

    geoms = square(0) + square(300) + [line((100, 0), (300, 0))]
    return frame("segments", [{"geometry": g} for g in geoms])


@pytest.mark.parametrize("method", ["exact", "networkx", "csgraph", "auto"])
def test_bridge_has_highest_betweenness(method):
    segs = _two_squares_with_bridge()
    ff = edge_betweenness(segs, method=method, k=8, seed=1)
    assert ff["footfall"].iloc[-1] == 1.0
    assert (ff["footfall"].iloc[:-1] < 1.0).all()
    assert ff["footfall"].between(0, 1).all()


def _random_grid(n, seed):
    rng = np.random.default_rng(seed)
    xy = {
        (i, j): (i * 100 + rng.normal(0, 10), j * 100 + rng.normal(0, 10))
        for i in range(n)
        for j in range(n)
    }
    rows = []
    for (i, j), p in xy.items():
        for q in ((i + 1, j), (i, j + 1)):
            if q in xy:
                rows.append({"geometry": line(p, xy[q]), "u": i * n + j, "v": q[0] * n + q[1]})
    return frame("segments", rows)


def test_csgraph_estimator_equals_networkx_when_all_nodes_are_sources():
    segs = _random_grid(6, seed=3)
    exact = edge_betweenness(segs, method="exact")
    fast = edge_betweenness(segs, method="csgraph", k=36)
    assert exact.attrs["method"] == "exact" and fast.attrs["method"] == "csgraph"
    np.testing.assert_allclose(fast["footfall"], exact["footfall"], atol=1e-12)


def test_matches_networkx_reference_directly():
    segs = _random_grid(4, seed=5)
    graph = nx.Graph()
    for u, v, length in zip(segs["u"], segs["v"], segs["length_m"], strict=True):
        graph.add_edge(u, v, length=length)
    ref = nx.edge_betweenness_centrality(graph, weight="length")
    want = np.array(
        [ref.get((u, v), ref.get((v, u))) for u, v in zip(segs["u"], segs["v"], strict=True)]
    )
    got = edge_betweenness(segs)["footfall"].to_numpy()
    np.testing.assert_allclose(got, want / want.max(), atol=1e-12)


def test_node_ids_derived_from_rounded_endpoints():
    segs = frame(
        "segments",
        [
            {"geometry": line((0, 0), (100, 0))},
            {"geometry": line((100.004, 0.003), (200, 0))},
        ],
    )
    u, v = node_ids(segs, precision_m=0.01)
    assert v[0] == u[1] and len({*u, *v}) == 3


def test_auto_switches_regime_by_size():
    segs = _random_grid(6, seed=1)  # 36 nodes
    assert edge_betweenness(segs, exact_max_nodes=50).attrs["method"] == "exact"
    assert edge_betweenness(segs, exact_max_nodes=10, networkx_max_nodes=50).attrs == {
        "method": "networkx",
        "k": 36,
    }
    ff = edge_betweenness(segs, exact_max_nodes=10, networkx_max_nodes=20, k=8)
    assert ff.attrs == {"method": "csgraph", "k": 8}


def test_bad_parameters_and_empty_network():
    segs = _two_squares_with_bridge()
    with pytest.raises(ValueError, match="k must"):
        edge_betweenness(segs, k=0)
    with pytest.raises(ValueError, match="method"):
        edge_betweenness(segs, method="magic")
    with pytest.raises(ValueError, match="precision_m"):
        node_ids(segs, precision_m=0)
    empty = edge_betweenness(frame("segments", []))
    assert len(empty) == 0
