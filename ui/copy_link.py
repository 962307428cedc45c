""" "Copy link to this setup": the page's link, visible and selectable, and a button that puts it on
the clipboard.

A small in-page component (st.components.v2, like the live charts): the link is made absolute in
the browser from the page's base URL, so it is right under a reverse proxy's path too. The
clipboard API needs a secure context (https or localhost); on a class server reached over plain
http (http://192.168.x.y:8501) the button falls back to selecting the link and the browser's copy
command, and says so if even that is refused: the link stays selectable in its box.
"""

from __future__ import annotations

import streamlit as st

COMPONENT_NAME = "gan_explainer_copy_link"

JS = r"""
export default function(component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector('div.gx-copy-link');
  if (!box) {
    box = document.createElement('div');
    box.className = 'gx-copy-link';
    box.style.cssText = 'display:flex;flex-direction:column;gap:0.4rem;';
    // A textarea, not an input: a long link wraps and is seen whole, never cut at the box's edge.
    const input = document.createElement('textarea');
    input.rows = 3;
    input.readOnly = true;
    input.spellcheck = false;
    input.className = 'gx-copy-link-url';
    input.setAttribute('aria-label', 'Link to this setup');
    input.style.cssText = 'width:100%;box-sizing:border-box;font:inherit;font-size:0.8rem;padding:0.35rem 0.5rem;'
      + 'border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;background:white;color:#31333F;'
      + 'resize:none;overflow-wrap:anywhere;word-break:break-all;';
    input.addEventListener('focus', () => input.select());
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'gx-copy-link-button';
    button.textContent = '📋 Copy link to this setup';
    button.style.cssText = 'font:inherit;font-size:0.9rem;padding:0.35rem 0.75rem;cursor:pointer;'
      + 'border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;background:white;color:#31333F;';
    const status = document.createElement('span');
    status.className = 'gx-copy-link-status';
    status.setAttribute('aria-live', 'polite');
    status.style.cssText = 'font-size:0.8rem;color:#31333F;';
    button.addEventListener('click', async () => {
      const url = input.value;
      let copied = false;
      if (navigator.clipboard && window.isSecureContext) {
        try { await navigator.clipboard.writeText(url); copied = true; } catch (err) { copied = false; }
      }
      if (!copied) {  // plain http on a class network: the older copy command still works there
        input.focus();
        input.select();
        try { copied = document.execCommand('copy'); } catch (err) { copied = false; }
      }
      status.textContent = copied ? 'Copied: paste it anywhere.'
                                  : 'This browser did not let the page copy: the link is selected, press Ctrl+C.';
    });
    box.append(input, button, status);
    parentElement.appendChild(box);
  }
  const input = box.querySelector('textarea');
  const url = new URL(data.link, document.baseURI).href;
  if (input.value !== url) {
    input.value = url;
    input.rows = Math.min(6, Math.max(2, Math.ceil(url.length / 34)));
    box.querySelector('.gx-copy-link-status').textContent = '';
  }
}
"""

_component = None


def copy_link(link: str, key: str = "copy-link") -> None:
    """The link box and its copy button; `link` is relative to the app's root (ui.urls.link)."""
    global _component
    if _component is None:
        _component = st.components.v2.component(COMPONENT_NAME, js=JS, isolate_styles=False)
    _component(data={"link": link}, key=key)
