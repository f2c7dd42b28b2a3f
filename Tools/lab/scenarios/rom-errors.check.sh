#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/decode-off.rc" "$G/not-enabled.rc" "$G/decode-on.rc" "$G/norom.rc"
[ "$(cat "$G/command-off")" != "$(cat "$G/command-before")" ] || fail "setpci did not change COMMAND"
[ "$(cat "$G/decode-off.rc")" != 0 ] || fail "rom read with decode off succeeded"
e=$(errno_of "$G/decode-off.err"); [ "$e" = EIO ] || fail "decode off gave $e, expected EIO"
[ "$(stat -c %s "$G/decode-off.out")" = 0 ] || fail "decode off returned bytes"
e2=$(errno_of "$G/not-enabled.err"); [ "$e2" = EINVAL ] || fail "read without enable gave $e2, expected EINVAL"
same "$G/decode-on.out" /usr/lib/ipxe/qemu/efi-e1000.rom
[ "$(cat "$G/norom.rc")" != 0 ] || fail "device without ROM has a rom attribute"
read -r rs re rf < "$G/noroms-resource"
[ $((rs)) = 0 ] && [ $((re)) = 0 ] && [ $((rf)) = 0 ] || fail "device without ROM has resource[6] $rs $re $rf"
note "decode off (COMMAND $(cat "$G/command-before") -> $(cat "$G/command-off")): $e, dmesg: $(grep -m1 'ROM header' "$G/dmesg-rom" | sed 's/^\[[^]]*\] //')"
note "read without echo 1: $e2; device without ROM: no rom attribute, resource[6] all zero"
