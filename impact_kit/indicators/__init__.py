"""Figures from the answers: one site's tables, the cross-site indicator table, the programme.

``site`` computes one site's figures year by year; ``table`` the indicator table of every
site (and ``indicators.csv``); ``programme`` places a site among the others of its year;
``portfolio`` the small tables of the portfolio report's sections.
"""
