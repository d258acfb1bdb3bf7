"use strict";
// Loaded before Redoc's bundle (templates/drf_spectacular/redoc.html). Redoc's side menu shows
// Redocly's logo from cdn.redoc.ly: the site fetches nothing from another host (intranets have
// no Internet, and the Content-Security-Policy refuses it), so that one image gets an empty
// local picture instead, however the script sets it. Every other image is left alone.
(function () {
  const FOREIGN_LOGO = "https://cdn.redoc.ly/";
  const EMPTY = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";
  const local = (value) => (String(value).startsWith(FOREIGN_LOGO) ? EMPTY : value);

  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(value) { src.set.call(this, local(value)); },
  });
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    const isSrc = this instanceof HTMLImageElement && String(name).toLowerCase() === "src";
    return setAttribute.call(this, name, isSrc ? local(value) : value);
  };
})();
