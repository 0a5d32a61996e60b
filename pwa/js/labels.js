// The label sheet's print button (a file, not an onclick attribute: the Content-Security-Policy allows no inline script).
document.getElementById("print")?.addEventListener("click", () => window.print());
