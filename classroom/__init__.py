"""The class: who gets a training slot and for how long, the teacher's reserved slots, the class
board's challenge and results, the mode collapse lab's pairings, lesson plans (lesson_plan) and the
lesson the class follows (live_lesson), and who is who across reloads (identity: signed passes,
nicknames).

The engine trains and reports; the classroom decides who trains. Nothing here imports Streamlit.
"""
