"""Writes prim_data.csv and prim_ema_curve.csv: the EMA Workbench's PRIM (its
real prim.py, prim_util.py and scenario_discovery_util.py, plotting stubbed
out) on synthetic data. Run with numpy, pandas and scipy installed and the
three files of ema_workbench/analysis/ (quaquel/EMAworkbench at 819a4b6c)
copied to /tmp/emapkg/ema_workbench/analysis/ (with empty __init__.py files):

    python3 tests/data/ema_prim_fixture.py tests/data
"""
import sys, types, csv
from unittest import mock
sys.path.insert(0, "/tmp/emapkg")
for name in ["matplotlib", "matplotlib.pyplot", "matplotlib.colors", "matplotlib.patches",
             "matplotlib.cm", "seaborn", "sklearn", "sklearn.metrics", "mpl_toolkits",
             "mpl_toolkits.axes_grid1", "altair", "ema_workbench.analysis.plotting_util",
             "ema_workbench.em_framework", "ema_workbench.em_framework.util",
             "ema_workbench.util", "ema_workbench.util.ema_logging"]:
    sys.modules[name] = mock.MagicMock()
import logging
sys.modules["ema_workbench.util"].get_module_logger = lambda n: logging.getLogger(n)
sys.modules["ema_workbench.util.ema_logging"].get_module_logger = lambda n: logging.getLogger(n)
sys.modules["ema_workbench.util"].temporary_filter = mock.MagicMock()
class EMAError(Exception): pass
sys.modules["ema_workbench.util"].EMAError = EMAError
import numpy as np, pandas as pd
from ema_workbench.analysis import prim

rng = np.random.default_rng(20251202)
n = 1000
x = pd.DataFrame({f"p{j}": rng.random(n) for j in range(4)})
inside = (x.p0 >= 0.2) & (x.p0 <= 0.6) & (x.p1 >= 0.5)
flip = rng.random(n) < 0.08
y = (inside ^ flip).values
p = prim.Prim(x, y, threshold=None) if False else prim.Prim(x, y)
box = p.find_box()
out = sys.argv[1]
with open(f"{out}/prim_data.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(list(x.columns) + ["y"])
    for i in range(n):
        w.writerow([repr(float(v)) for v in x.iloc[i]] + [int(y[i])])
with open(f"{out}/prim_ema_curve.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["box", "n", "k", "coverage", "density", "mass", "parameter", "low", "high", "qp_low", "qp_high"])
    for i, lims in enumerate(box.box_lims):
        t = box.peeling_trajectory.iloc[i]
        qp = box.p_values[i]
        for c in x.columns:
            lo, hi = lims.loc[0, c], lims.loc[1, c]
            if c in qp:
                ql, qh = qp[c]
                w.writerow([i, int(t.n), int(t.k), repr(float(t.coverage)), repr(float(t.density)),
                            repr(float(t.mass)), c, repr(float(lo)), repr(float(hi)),
                            "" if ql == -1 else repr(float(ql)), "" if qh == -1 else repr(float(qh))])
        if not qp:
            w.writerow([i, int(t.n), int(t.k), repr(float(t.coverage)), repr(float(t.density)),
                        repr(float(t.mass)), "", "", "", "", ""])
print(box.peeling_trajectory)
