OPENQASM 3.0;
include "stdgates.inc";
bit[2] sector;
bit[2] draw;
bit[1] frame;
rz(-pi) $28;
sx $28;
rz(-pi/8) $28;
rz(pi/2) $29;
sx $29;
rz(-2.98000159068) $29;
sx $29;
rz(1.54234901338) $29;
rz(-pi) $30;
sx $30;
rz(2.14360253843) $30;
sx $30;
cz $30, $29;
sx $29;
rz(-1.39813198245) $29;
sx $29;
rz(-0.164131266084) $29;
rz(-pi/2) $36;
sx $36;
rz(-0.172350589899) $36;
cz $29, $36;
sx $29;
rz(pi/2) $29;
sx $36;
rz(pi) $36;
cz $29, $36;
sx $29;
rz(0.800551998381) $29;
sx $29;
rz(-pi/2) $29;
cz $30, $29;
sx $29;
rz(-0.845800664937) $29;
rz(-pi) $30;
sx $36;
cz $36, $29;
sx $29;
rz(-2.11543704) $29;
sx $29;
rz(-5.35248487778) $29;
cz $29, $28;
sx $28;
sx $29;
rz(-pi/8) $29;
cz $29, $28;
sx $28;
rz(2.70308274339) $28;
sx $29;
rz(-pi) $29;
cz $36, $29;
sx $29;
rz(-5*pi/8) $29;
sx $29;
rz(pi) $29;
cz $28, $29;
sx $29;
rz(-7*pi/8) $29;
sx $29;
rz(-pi) $29;
cz $30, $29;
sx $29;
rz(-7*pi/8) $29;
sx $29;
cz $28, $29;
sx $29;
rz(-7*pi/8) $29;
sx $29;
rz(-pi) $29;
cz $36, $29;
sx $29;
rz(-7*pi/8) $29;
sx $29;
rz(pi) $29;
cz $28, $29;
sx $28;
rz(pi) $28;
sx $29;
rz(-5*pi/8) $29;
sx $29;
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
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
sector[1] = measure $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
rz(pi) $29;
if (sector[1]) {
  rz(pi/2) $29;
  sx $29;
  rz(-pi/2) $29;
}
sector[0] = measure $29;
if (sector == 0) {
  rz(-pi) $29;
  sx $29;
  rz(2.04325284839) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.97161897144) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.845616921514) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 1) {
  sx $29;
  rz(-1.95250164384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.53201667867) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.75923758977) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 2) {
  x $28;
  rz(-pi) $29;
  sx $29;
  rz(2.72074211626) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.988336968641) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(0.7077885864) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
if (sector == 3) {
  x $28;
  sx $29;
  rz(-1.75467451384) $29;
  sx $29;
  draw[0] = measure $29;
  if (!draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(2.57794563963) $28;
    sx $28;
    draw[1] = measure $28;
  }
  if (draw[0]) {
    rz(-pi) $28;
    sx $28;
    rz(1.12073846803) $28;
    sx $28;
    draw[1] = measure $28;
  }
}
frame[0] = measure $28;
rz(-pi/2) $28;
sx $28;
rz(pi) $28;
if (frame[0]) {
  rz(-pi/2) $29;
  sx $29;
  rz(pi/2) $29;
}
cz $29, $28;
sx $28;
rz(-pi/2) $28;
