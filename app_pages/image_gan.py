import streamlit as st
st.title("image_gan")
