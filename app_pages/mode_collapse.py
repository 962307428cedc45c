import streamlit as st
st.title("mode_collapse")
