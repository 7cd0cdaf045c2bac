OPENQASM 3.0;
include "stdgates.inc";
bit[2] sector;
bit[2] draw;
bit[1] frame;
rz(-pi) $92;
sx $92;
rz(-pi/8) $92;
rz(-pi/2) $98;
sx $98;
rz(-0.172350589899) $98;
rz(pi/2) $99;
sx $99;
rz(-2.98000159068) $99;
sx $99;
rz(1.54234901338) $99;
rz(-pi) $100;
sx $100;
rz(2.14360253843) $100;
sx $100;
cz $100, $99;
sx $99;
rz(-1.39813198245) $99;
sx $99;
rz(-0.164131266084) $99;
cz $99, $98;
sx $98;
rz(pi) $98;
sx $99;
rz(pi/2) $99;
cz $99, $98;
sx $98;
sx $99;
rz(0.800551998381) $99;
sx $99;
rz(-pi/2) $99;
cz $100, $99;
sx $99;
rz(-0.845800664937) $99;
cz $98, $99;
sx $99;
rz(-2.11543704) $99;
sx $99;
rz(-5.35248487778) $99;
cz $99, $92;
sx $92;
sx $99;
rz(-pi/8) $99;
cz $99, $92;
sx $92;
rz(2.70308274339) $92;
sx $99;
rz(-pi) $99;
cz $98, $99;
sx $99;
rz(-5*pi/8) $99;
sx $99;
rz(pi) $99;
cz $92, $99;
sx $99;
rz(-7*pi/8) $99;
sx $99;
rz(-pi) $99;
rz(-pi) $100;
cz $100, $99;
sx $99;
rz(-7*pi/8) $99;
sx $99;
cz $92, $99;
sx $99;
rz(-7*pi/8) $99;
sx $99;
rz(-pi) $99;
cz $98, $99;
sx $99;
rz(-7*pi/8) $99;
sx $99;
rz(pi) $99;
cz $92, $99;
sx $92;
rz(pi) $92;
sx $99;
rz(-5*pi/8) $99;
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
  rz(2.04325284839) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(2.97161897144) $92;
    sx $92;
    draw[1] = measure $92;
  }
  if (draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(0.845616921514) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 1) {
  sx $99;
  rz(-1.95250164384) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(1.53201667867) $92;
    sx $92;
    draw[1] = measure $92;
  }
  if (draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(1.75923758977) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 2) {
  x $92;
  rz(-pi) $99;
  sx $99;
  rz(2.72074211626) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(0.988336968641) $92;
    sx $92;
    draw[1] = measure $92;
  }
  if (draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(0.7077885864) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
if (sector == 3) {
  x $92;
  sx $99;
  rz(-1.75467451384) $99;
  sx $99;
  draw[0] = measure $99;
  if (!draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(2.57794563963) $92;
    sx $92;
    draw[1] = measure $92;
  }
  if (draw[0]) {
    rz(-pi) $92;
    sx $92;
    rz(1.12073846803) $92;
    sx $92;
    draw[1] = measure $92;
  }
}
frame[0] = measure $92;
rz(-pi/2) $92;
sx $92;
rz(pi) $92;
if (frame[0]) {
  rz(-pi/2) $99;
  sx $99;
  rz(pi/2) $99;
}
cz $99, $92;
sx $92;
rz(-pi/2) $92;
