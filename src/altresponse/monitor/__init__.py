"""Monitoring and evaluation: the running program measured against its plan.

Pure domain code (no I/O, no database, no HTML). Inputs are plain typed records built by the edges
(`altresponse.ops.monitor_store` reads them from the operational store); outputs are typed results
that the service, the dashboard and the quarterly report render.

- `facts`: what actually happened on each decided call (`CallFact`) and the area indicators.
- `measures`: the plan's measures and the core program metrics, with intervals and small-count flags.
- `suppression`: primary and complementary suppression of public tables, with a recovery audit.
- `targets`: the plan's per-phase targets and go/no-go gates evaluated to computed verdicts.
- `tracker`: milestones and tasks, forecast finish, slippage and the critical path.
- `evaluation`: difference-in-differences / event-study estimate of the program's effect.
"""
