// The page's landmarks and headings, the form controls without a label, and how far the
// document overflows the window sideways.
() => {
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
    .map((c) => c.name || c.id);
  return {
    unlabelled,
    banner: document.querySelectorAll('header.top').length,
    main: document.querySelectorAll('main').length,
    contentinfo: document.querySelectorAll('body > footer').length,
    navs: [...document.querySelectorAll('nav')].map((n) => n.getAttribute('aria-label')),
    h1: document.querySelectorAll('h1').length,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}
