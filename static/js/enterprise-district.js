// Enterprise profile form: while the credit code is typed, choose the district its region
// code names (characters 3-8, GB 32100), unless the person picked a district themselves.
// Without this script the server does the same when the district is left empty.
(function () {
  "use strict";
  var data = document.getElementById("region-districts");
  var code = document.getElementById("id_credit_code");
  var district = document.getElementById("id_district");
  if (!data || !code || !district) {
    return;
  }
  var regions = JSON.parse(data.textContent);
  var chosenByPerson = district.value !== "";
  district.addEventListener("change", function () {
    chosenByPerson = true;
  });
  code.addEventListener("input", function () {
    if (chosenByPerson) {
      return;
    }
    var compact = code.value.replace(/[\s\-]/g, "").toUpperCase();
    district.value = regions[compact.slice(2, 8)] || "";
  });
})();
