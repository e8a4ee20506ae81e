# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourced by bench_flood.sh and bench_cookies.sh: the contenders both
# measure, set up and removed in the server namespace (tests/e2e/lib.sh's
# in_server). Limits: 5 SYNs per 5 s per source, the client 198.18.0.1
# accepted.

contender_setup() {
	case $1 in
	bare) in_server ip link set dev s0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_drop ;;
	bare-read) in_server ip link set dev s0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_read ;;
	nftables)
		in_server nft -f - <<'NFT'
table inet synbench {
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 198.18.0.1 accept
		tcp flags & (syn | ack) == syn meter syn4 size 1048576 { ip saddr limit rate over 1/second burst 5 packets } drop
		tcp flags & (syn | ack) == syn meter syn6 size 1048576 { ip6 saddr limit rate over 1/second burst 5 packets } drop
	}
}
NFT
		;;
	iptables)
		in_server iptables -t raw -A PREROUTING -s 198.18.0.1 -j ACCEPT
		in_server iptables -t raw -A PREROUTING -p tcp --syn -m hashlimit --hashlimit-above 1/sec \
			--hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name synb \
			--hashlimit-htable-size 1048576 --hashlimit-htable-max 1048576 -j DROP
		in_server ip6tables -t raw -A PREROUTING -p tcp --syn -m hashlimit --hashlimit-above 1/sec \
			--hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name synb6 \
			--hashlimit-htable-size 1048576 --hashlimit-htable-max 1048576 -j DROP
		;;
	none) ;;
	esac
}

contender_teardown() {
	case $1 in
	bare | bare-read) in_server ip link set dev s0 xdp off ;;
	nftables) in_server nft delete table inet synbench ;;
	iptables)
		in_server iptables -t raw -F PREROUTING
		in_server ip6tables -t raw -F PREROUTING
		;;
	none) ;;
	esac
}
