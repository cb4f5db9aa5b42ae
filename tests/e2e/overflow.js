// Every box wider than its own width must be a region a keyboard can reach and a screen
// reader can name; the page itself may never be wider than the window.
() => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
    const named = el.getAttribute('aria-labelledby') || el.getAttribute('aria-label');
    if (el.getAttribute('role') !== 'region' || el.tabIndex !== 0 || !named) bad.push(el.outerHTML.slice(0, 120));
  }
  return {page: document.documentElement.scrollWidth, window: window.innerWidth, bad};
}
