// Progressive enhancement for /book/: the form works fully without this file.
(function () {
  "use strict";
  // On an error, move focus to the summary so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
