'use strict';
// objectCaching: true (a browser's default; Node's is false) is saved on the objects that ask for it, as a
// storefront saving toJSON(['objectCaching']) does, so the engine and Fabric loading the JSON cache the same
// objects (docs/fabric.md "Browser or Node"); toJSON() alone leaves it out
function keepCaching(json) {
  const walk = (o) => {
    if (!o || typeof o !== 'object') return;
    if (o.objectCaching !== true) delete o.objectCaching;
    (o.objects || []).forEach(walk);
  };
  (json.objects || []).forEach(walk);
  return json;
}

module.exports = { keepCaching };
