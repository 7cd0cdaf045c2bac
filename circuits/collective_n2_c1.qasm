OPENQASM 3.0;
include "stdgates.inc";
bit[2] sector;
bit[2] draw;
bit[1] frame;
rz(pi/2) $28;
sx $28;
rz(pi) $28;
cz $29, $28;
sx $28;
rz(pi/2) $28;
sector[1] = measure $28;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.53210052243) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.05117740593) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-0.60949213116) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.05117740593) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.53210052243) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.05117740593) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
}
frame[0] = measure $28;
rz(pi/2) $28;
sx $28;
rz(pi) $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
cz $29, $28;
sx $28;
rz(pi/2) $28;
