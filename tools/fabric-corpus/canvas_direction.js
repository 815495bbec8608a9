'use strict';
// node-canvas has no CanvasRenderingContext2D.direction: Fabric's RTL text sets it as a plain JS property,
// which save()/restore() then never restore, so every RTL object after the first skips Fabric's
// `textAlign = 'right'` and is drawn a line-width to the right. Give it a browser's state semantics, on the
// context prototype of the node-canvas `createCanvas` given (each Fabric version's own canvas package).
function browserDirection(createCanvas) {
  const proto = Object.getPrototypeOf(createCanvas(1, 1).getContext('2d'));
  const { save, restore } = proto;
  proto.save = function () {
    (this.__dirStack = this.__dirStack || []).push(this.__dir);
    return save.call(this);
  };
  proto.restore = function () {
    this.__dir = (this.__dirStack || []).pop();
    return restore.call(this);
  };
  Object.defineProperty(proto, 'direction', {
    get() { return this.__dir || 'ltr'; },
    set(v) { this.__dir = v; },
    configurable: true,
  });
}

module.exports = { browserDirection };
