package stream

import (
	"log/slog"
	"sync"

	pb "github.com/acme/prices/gen/prices/v1"
)

// PriceServer fans price ticks out to every subscribed client.
type PriceServer struct {
	pb.UnimplementedPriceServiceServer

	mu   sync.Mutex
	subs map[string][]chan *pb.Tick // symbol -> subscriber channels
}

func NewPriceServer() *PriceServer {
	return &PriceServer{subs: make(map[string][]chan *pb.Tick)}
}

// Publish is called by the market-data consumer for every tick.
func (s *PriceServer) Publish(t *pb.Tick) {
	s.mu.Lock()
	chans := s.subs[t.Symbol]
	s.mu.Unlock()
	for _, ch := range chans {
		go func(ch chan *pb.Tick) { ch <- t }(ch) // never blocks the consumer
	}
}

// Subscribe is a server-streaming RPC: one stream per client and symbol.
func (s *PriceServer) Subscribe(req *pb.SubscribeRequest, stream pb.PriceService_SubscribeServer) error {
	ch := make(chan *pb.Tick)
	s.mu.Lock()
	s.subs[req.Symbol] = append(s.subs[req.Symbol], ch)
	s.mu.Unlock()

	for t := range ch {
		if err := stream.Send(t); err != nil {
			slog.Warn("send failed", "symbol", req.Symbol, "err", err)
			return err
		}
	}
	return nil
}
