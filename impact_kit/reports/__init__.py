"""The report kind and its two kinds, and running one: what the master notebooks' cells call.

``kind`` is what both kinds share; ``site`` (SiteReport) and ``portfolio`` (PortfolioReport)
are the two kinds, ``charts`` their charts; ``parameters`` the master notebooks' parameters;
``execute`` runs a notebook with papermill; ``run`` writes a report's files end to end.
"""
