"""The web pages under /app/ for the people who follow up the process: server-rendered Jinja2
templates over the statistics and the stored stays, acting as the request's principal.

Each page module (overview, followup, stay, invoice, cooperation) is a thin adapter: it parses
the request, calls the statistics, access and engine functions with the principal, and renders
the result; the figures are never computed here. Signing a person in is its own part: signin
(the routes), oidc (the relying party) and sessions (server-side sessions and their cookies).
"""
