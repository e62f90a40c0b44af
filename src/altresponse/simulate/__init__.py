"""Capacity, staffing and budget for alternative responder teams.

Service-time fits, demand models, a fast discrete-event fleet simulation, Erlang C/A sizing, a
shift-scheduling integer program and a Monte Carlo cost model; pure (the pipeline edge,
`altresponse.pipeline.staffing`, reads classified calls and writes the results).
"""
