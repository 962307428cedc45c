import streamlit as st
st.title("theory")
