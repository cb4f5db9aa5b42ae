// WCAG contrast of each SVG text against the shape under its centre (or the page).
() => {
  const rgb = c => (c.match(/[\d.]+/g) || [255, 255, 255]).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const found = [];
  for (const text of document.querySelectorAll('svg text')) {
    text.scrollIntoView({block: 'center', inline: 'center'});  // elementsFromPoint sees the window only
    const box = text.getBoundingClientRect();
    if (!box.width || !text.textContent.trim()) continue;
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const under = document.elementsFromPoint(x, y).find(el => el !== text && !text.contains(el) &&
        ['rect', 'path', 'circle', 'polygon'].includes(el.tagName) && getComputedStyle(el).fill !== 'none');
    const back = under ? getComputedStyle(under).fill : 'rgb(255, 255, 255)';
    // The size on screen: a font size in the SVG's units times the SVG's scale (WCAG's
    // "large text" is what the reader sees, 24 CSS px or 18.66 bold).
    const ctm = text.getScreenCTM(), scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    const size = parseFloat(getComputedStyle(text).fontSize) * scale, bold = parseInt(getComputedStyle(text).fontWeight) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    const r = ratio(getComputedStyle(text).fill, back);
    found.push({text: text.textContent.trim().slice(0, 30), ratio: r, needed, size});
  }
  return found;
}
