/* Progressive enhancement: show <time data-localtime> dates in the viewer's own timezone.
   The page is complete without it (dates are printed in UTC); no CDN, no inline script. */
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  var nodes = document.querySelectorAll("time[data-localtime][datetime]");
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i];
    if (node.hasAttribute("data-localised")) { continue; }
    var moment = new Date(node.getAttribute("datetime"));
    if (isNaN(moment.getTime())) { continue; }
    node.setAttribute("title", node.textContent);
    node.textContent = format.format(moment);
    node.setAttribute("data-localised", "");
  }
}());
