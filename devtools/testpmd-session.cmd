show port summary all
show port info all
set fwd io
start tx_first
show port stats all
stop
port stop all
port config all rxq 4
port config all txq 4
port start all
port config all rss udp
show port 0 rss-hash
start tx_first
show port stats all
show port xstats 0
stop
port stop 1
port start 1
show port stats all
clear port stats all
clear port xstats all
port stop all
port config all rxq 1
port config all txq 1
port start all
start tx_first
show port stats all
stop
show port info 0
