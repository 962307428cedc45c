"""What the pages draw: pure functions from engine data (histories, views, metrics) to pictures.

Plotly figures as plain dicts, SVG strings and Pillow images; no Streamlit, no plotly, no torch code.
One module per thing drawn, all sharing one look (theme: colours, fonts, the builders every chart
starts from): the training curves (curves), the quality charts (quality), the playground's 2D field
(playground), the Theory page's live 1D run (theory) and its closed-form objective (objective), the
Overview's diagram (overview), the class board (board), the memorisation check (memorisation) and
sample grids (images). What Streamlit needs on top (projector-sized fonts, a hand-off that skips
re-validation) is in ui/figure_dicts.py.
"""
