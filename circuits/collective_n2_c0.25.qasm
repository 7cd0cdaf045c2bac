OPENQASM 3.0;
include "stdgates.inc";
bit[2] sector;
bit[2] draw;
bit[1] frame;
rz(-pi/2) $92;
sx $92;
rz(-pi/4) $92;
rz(-pi) $98;
sx $98;
rz(2*pi/3) $98;
sx $98;
rz(-pi/2) $99;
sx $99;
rz(-3*pi/4) $99;
sx $99;
rz(1.43817351764) $99;
cz $98, $99;
sx $99;
rz(-1.70226793791) $99;
sx $99;
rz(-5.4890437337) $99;
cz $99, $92;
sx $92;
sx $99;
rz(pi/4) $99;
cz $99, $92;
sx $92;
rz(-1.38432375819) $92;
sx $99;
rz(pi) $99;
cz $98, $99;
sx $99;
rz(-3*pi/4) $99;
sx $99;
rz(pi) $99;
cz $92, $99;
sx $92;
rz(pi) $92;
sx $99;
rz(-3*pi/4) $99;
sx $99;
cz $99, $92;
sx $92;
rz(pi/2) $92;
sector[1] = measure $92;
if (sector[1]) {
  rz(pi/2) $99;
  sx $99;
  rz(-pi/2) $99;
}
sector[0] = measure $99;
if (sector == 0) {
  rz(-pi) $99;
  sx $99;
  rz(2.53210052243) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(2.05117740593) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 1) {
  sx $99;
  rz(-0.60949213116) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(2.05117740593) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 2) {
  rz(-pi) $99;
  sx $99;
  rz(2.53210052243) $99;
  sx $99;
  x $92;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(2.05117740593) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 3) {
}
frame[0] = measure $92;
rz(pi/2) $92;
sx $92;
rz(pi) $92;
if (frame[0]) {
  rz(-pi/2) $99;
  sx $99;
  rz(pi/2) $99;
}
cz $99, $92;
sx $92;
rz(pi/2) $92;
