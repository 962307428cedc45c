"""What the pages draw: pure functions from engine data (histories, views, metrics) to pictures.

Plotly figures as plain dicts, SVG strings and Pillow images; no Streamlit, no torch. One module per
thing drawn (the playground's field, the training curves, the quality charts, the Theory page's
figures, the Overview's diagram, the class board, the memorisation check, sample grids), sharing one
theme.
"""
