"""How a report looks: templates, charts, figures on the page, the HTML export and the PDF.

``markup`` is the one Jinja environment of the sections; ``charts`` and ``portfolio_charts``
draw with matplotlib; ``figures`` puts a chart on the page (inline SVG, caption, data);
``data_tables`` writes tables in words; ``export`` is nbconvert; ``pdf`` prints with Chromium.
"""
