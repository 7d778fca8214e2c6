// WCAG 2.1 contrast of every element that holds text, against the first opaque background
// behind it: the ones under 4.5:1 (3:1 for large text), described.
() => {
  const rgb = (value) => (value.match(/[\d.]+/g) || []).map(Number);
  const channel = (c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest('svg') || element.closest('.skip')) continue;
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(element);
    if (!own || style.visibility === 'hidden' || style.display === 'none') continue;
    if (element.disabled || element.closest('select:disabled')) continue;
    const [a, b] = [luminance(rgb(style.color)), luminance(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const words = element.textContent.trim().slice(0, 30);
      failures.push(`${element.tagName}.${element.className}: ${ratio.toFixed(2)} "${words}"`);
    }
  }
  return failures;
}
