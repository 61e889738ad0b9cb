<?php

namespace App\Models;

use Illuminate\Database\Eloquent\Factories\HasFactory;
use Illuminate\Database\Eloquent\Model;
use Illuminate\Database\Eloquent\Relations\BelongsTo;

class Invoice extends Model
{
    use HasFactory;

    protected $fillable = ['customer_id', 'number', 'total_cents', 'currency', 'due_at', 'paid_at'];

    protected $dates = ['due_at', 'paid_at'];

    protected $casts = [
        'total_cents' => 'integer',
        'meta' => 'array',
    ];

    public function customer(): BelongsTo
    {
        return $this->belongsTo(Customer::class);
    }

    public function isOverdue(): bool
    {
        return $this->paid_at === null && $this->due_at->isPast();
    }

    public function scopeUnpaid($query)
    {
        return $query->whereNull('paid_at');
    }
}
