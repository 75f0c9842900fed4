#!/usr/bin/env bash
# Kernel messages: those of filesystems and the block layer under them are kept, with the task that
# printed them; the rest are not. Written through /dev/kmsg at KERN_ERR, which printk:console
# passes at any console log level above 3, from the traced command itself.
source "$(dirname "$0")/lib.sh"

tag=fst-kmsg-$$
keep=("Buffer I/O error on dev $tag, logical block 1" "EXT4-fs error (device $tag): x" "overlay: $tag"
	"JBD2: $tag" "XFS ($tag): x" "BTRFS error $tag" "EROFS: $tag" "squashfs: $tag" "fuse: $tag"
	"I/O error, dev $tag" "blk_update_request: $tag")
drop=("hello $tag" "XFS: $tag" "over $tag" "EXT4 $tag")
script=
for m in "${keep[@]}" "${drop[@]}"; do
	script+="echo '<3>$m' >/dev/kmsg; "
done

rec=$T/kmsg.jsonl.gz
fst_run "$rec" -- sh -c "$script"
[[ $RUN_RC -eq 0 ]] || fail "the command writing to /dev/kmsg exited $RUN_RC"
check_recording "$rec"
for m in "${keep[@]}"; do
	expect_rec "$rec" "the message '$m' was not kept" --arg m "$m" \
		'any(.[]; .type == "kmsg" and .msg == $m and .comm == "sh")'
done
for m in "${drop[@]}"; do
	expect_rec "$rec" "the message '$m' was kept, but it is not a filesystem's" --arg m "$m" \
		'all(.[]; .type != "kmsg" or .msg != $m)'
done
note "${#keep[@]} filesystem messages kept, ${#drop[@]} others dropped"
echo ok
